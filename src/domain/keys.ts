// Request keys (`ACME-42`): the client's prefix and the number of the request within the client.

/** A key as the desk writes it: the prefix (a letter, then 1–9 letters or digits), a dash, the number. */
export const REQUEST_KEY = /^[A-Z][A-Z0-9]{1,9}-[1-9][0-9]{0,8}$/;
export const KEY_PREFIX = /^[A-Z][A-Z0-9]{1,9}$/;

const CYRILLIC: Record<string, string> = {
  а: 'A', б: 'B', в: 'V', г: 'G', д: 'D', е: 'E', ё: 'E', ж: 'ZH', з: 'Z', и: 'I', й: 'Y', к: 'K', л: 'L', м: 'M', н: 'N', о: 'O', п: 'P',
  р: 'R', с: 'S', т: 'T', у: 'U', ф: 'F', х: 'KH', ц: 'TS', ч: 'CH', ш: 'SH', щ: 'SHCH', ъ: '', ы: 'Y', ь: '', э: 'E', ю: 'YU', я: 'YA',
  і: 'I', ї: 'YI', є: 'YE', ғ: 'G', қ: 'K', ң: 'N', ө: 'O', ұ: 'U', ү: 'U', һ: 'H', ә: 'A',
};

/**
 * The prefix a client's name suggests: its first word in Latin capitals (Cyrillic transliterated,
 * accents dropped), at most 6 characters; initials when that word is too short.
 */
export function prefixFromName(name: string): string {
  const latin = [...name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase()].map((c) => CYRILLIC[c] ?? c).join('').toUpperCase();
  const words = latin.split(/[^A-Z0-9]+/).filter(Boolean);
  let base = (words[0] ?? '').replace(/^[0-9]+/, '').slice(0, 6);
  if (base.length < 2) base = words.map((w) => w.replace(/^[0-9]+/, '')[0] ?? '').join('').slice(0, 6) || base;
  if (base.length === 0) return 'CX';
  return base.length < 2 ? `${base}X` : base;
}

/** `base`, or `base` with the lowest number not yet taken (`ACME`, `ACME2`, …), within 10 characters. */
export function freePrefix(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base.slice(0, 10 - String(n).length)}${n}`;
    if (!used.has(candidate)) return candidate;
  }
}

export const requestKey = (prefix: string, no: number) => `${prefix}-${no}`;
