// What a file is, judged from its first bytes (after the WHATWG MIME Sniffing standard's patterns
// for the types a desk receives). What the uploader claims is never trusted: a file is served as
// what its bytes are, and always as an attachment.

/** How many leading bytes the sniffer looks at. */
export const SNIFF_BYTES = 1445;

const startsWith = (b: Uint8Array, sig: number[], at = 0) => sig.every((v, i) => b[at + i] === v);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

const SIGNATURES: [string, number[], number?][] = [
  ['image/png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ['image/jpeg', [0xff, 0xd8, 0xff]],
  ['image/gif', ascii('GIF87a')],
  ['image/gif', ascii('GIF89a')],
  ['image/bmp', ascii('BM')],
  ['image/x-icon', [0x00, 0x00, 0x01, 0x00]],
  ['application/pdf', ascii('%PDF-')],
  ['application/postscript', ascii('%!PS-Adobe-')],
  ['application/zip', [0x50, 0x4b, 0x03, 0x04]],
  ['application/gzip', [0x1f, 0x8b, 0x08]],
  ['application/x-7z-compressed', [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]],
  ['application/vnd.rar', ascii('Rar!\x1a\x07')],
  ['audio/mpeg', ascii('ID3')],
  ['application/ogg', ascii('OggS\0')],
  ['font/woff', ascii('wOFF')],
  ['font/woff2', ascii('wOF2')],
];

/** The tags that make a text HTML (WHATWG: case-insensitive, then a space or `>`). */
const HTML_TAGS = ['!DOCTYPE HTML', 'HTML', 'HEAD', 'SCRIPT', 'IFRAME', 'H1', 'DIV', 'FONT', 'TABLE', 'A', 'STYLE', 'TITLE', 'B', 'BODY', 'BR', 'P', '!--', 'SVG', 'IMG', 'META', 'LINK', 'OBJECT', 'EMBED', 'FORM', 'BASE'];

function isWhitespace(c: number | undefined): boolean {
  return c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d || c === 0x20;
}

/** The markup a browser could run: HTML, SVG, XML. Looked for at the start and anywhere in the head of the file. */
function markup(b: Uint8Array): string | undefined {
  const head = String.fromCharCode(...b).toUpperCase();
  let i = 0;
  while (isWhitespace(head.charCodeAt(i))) i++;
  if (head.startsWith('<?XML', i)) return /<SVG[\s>]/.test(head) ? 'image/svg+xml' : 'text/xml';
  if (head.startsWith('<SVG', i)) return 'image/svg+xml';
  for (const tag of HTML_TAGS) {
    if (head.startsWith(`<${tag}`, i)) {
      const after = head.charCodeAt(i + tag.length + 1);
      if (isWhitespace(after) || after === 0x3e || tag === '!--') return 'text/html';
    }
  }
  // Markup later in the file (after a line of text) is still markup a browser would render.
  if (/<(SCRIPT|HTML|IFRAME|BODY|SVG|OBJECT|EMBED)[\s>/]/.test(head)) return 'text/html';
  return undefined;
}

/** Bytes that never occur in text (WHATWG "binary data byte"). */
function isBinary(b: Uint8Array): boolean {
  return b.some((c) => c <= 0x08 || c === 0x0b || (c >= 0x0e && c <= 0x1a) || (c >= 0x1c && c <= 0x1f));
}

function isUtf8(b: Uint8Array): boolean {
  try {
    // `stream`: a multi-byte character cut at the end of the head is still UTF-8.
    new TextDecoder('utf-8', { fatal: true }).decode(b, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/** The type of a file from its first bytes (`SNIFF_BYTES` of them suffice). */
export function sniff(bytes: Uint8Array): string {
  const b = bytes.subarray(0, SNIFF_BYTES);
  if (b.length === 0) return 'application/octet-stream';
  if (startsWith(b, ascii('RIFF')) && startsWith(b, ascii('WEBP'), 8)) return 'image/webp';
  if (startsWith(b, ascii('RIFF')) && startsWith(b, ascii('WAVE'), 8)) return 'audio/wav';
  if (startsWith(b, ascii('ftyp'), 4)) return 'video/mp4';
  for (const [type, sig, at] of SIGNATURES) if (startsWith(b, sig, at)) return type;
  // Byte-order marks: text.
  if (startsWith(b, [0xfe, 0xff]) || startsWith(b, [0xff, 0xfe])) return 'text/plain';
  const bom = startsWith(b, [0xef, 0xbb, 0xbf]) ? 3 : 0;
  const found = markup(b.subarray(bom));
  if (found) return found;
  if (startsWith(b.subarray(bom), ascii('{')) || startsWith(b.subarray(bom), ascii('['))) {
    if (!isBinary(b)) return 'application/json';
  }
  if (isBinary(b)) return 'application/octet-stream';
  return isUtf8(b) ? 'text/plain' : 'application/octet-stream';
}

/** A type that could be rendered or run if a browser ever showed it inline. */
export function isActiveContent(type: string): boolean {
  return ['text/html', 'image/svg+xml', 'text/xml', 'application/xml'].includes(type);
}
