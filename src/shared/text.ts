// Text PostgreSQL can store: no NUL character, and no unpaired UTF-16 surrogate (which has no
// UTF-8 encoding). One definition for the API's validation and the projection's last resort.

// eslint-disable-next-line no-control-regex -- finding NUL is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function isStorableText(s: string): boolean {
  UNSTORABLE.lastIndex = 0;
  return !UNSTORABLE.test(s);
}

/** A copy whose every string (keys too) PostgreSQL can store: NUL dropped, unpaired surrogates replaced by U+FFFD. */
export function storable<T>(v: T): T {
  if (typeof v === 'string') return v.replace(UNSTORABLE, (c) => (c === '\u0000' ? '' : '\uFFFD')) as T;
  if (Array.isArray(v)) return v.map(storable) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [storable(k), storable(x)])) as T;
  return v;
}

/** One line of a message, at most 280 characters: for a workflow's event and a notification. */
export function excerptOf(body: string): string {
  const line = body.replace(/\s+/g, ' ').trim();
  return line.length > 280 ? `${line.slice(0, 279)}…` : line;
}
