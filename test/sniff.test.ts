// What a file is, from its bytes: the uploader's word is never taken (pure domain logic).
import { describe, expect, it } from 'vitest';
import { isActiveContent, sniff } from '../src/domain/sniff';

const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

describe('sniffing a file from its bytes', () => {
  it.each([
    ['a PNG', bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], [0, 0, 0, 13]), 'image/png'],
    ['a JPEG', bytes([0xff, 0xd8, 0xff, 0xe0]), 'image/jpeg'],
    ['a GIF', bytes('GIF89a', [1, 0]), 'image/gif'],
    ['a WebP', bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8 '), 'image/webp'],
    ['a PDF', bytes('%PDF-1.7\n'), 'application/pdf'],
    ['a zip (docx, xlsx)', bytes([0x50, 0x4b, 0x03, 0x04, 20, 0]), 'application/zip'],
    ['gzip', bytes([0x1f, 0x8b, 0x08, 0]), 'application/gzip'],
    ['HTML with a doctype', bytes('<!DOCTYPE html><html>'), 'text/html'],
    ['HTML after whitespace, any case', bytes('\n\t  <ScRiPt>alert(1)</script>'), 'text/html'],
    ['HTML behind a BOM', bytes([0xef, 0xbb, 0xbf], '<html>'), 'text/html'],
    ['HTML after a line of text', bytes('hello\n<iframe src=x>'), 'text/html'],
    ['a comment opening HTML', bytes('<!-- x -->'), 'text/html'],
    ['SVG', bytes('<svg xmlns="http://www.w3.org/2000/svg"></svg>'), 'image/svg+xml'],
    ['SVG in XML', bytes('<?xml version="1.0"?><svg></svg>'), 'image/svg+xml'],
    ['XML', bytes('<?xml version="1.0"?><a/>'), 'text/xml'],
    ['JSON', bytes('{"a": 1}'), 'application/json'],
    ['plain UTF-8 text in Russian', Buffer.from('Отчёт за октябрь\n'), 'text/plain'],
    ['a log', bytes('2026-11-29 ERROR <b> not a tag start'), 'text/plain'],
    ['binary bytes', bytes([0x00, 0x01, 0x02, 0x03]), 'application/octet-stream'],
    ['invalid UTF-8', bytes([0x41, 0xc3, 0x28, 0x41]), 'application/octet-stream'],
    ['nothing', Buffer.alloc(0), 'application/octet-stream'],
  ])('%s', (_what, content, type) => {
    expect(sniff(content)).toBe(type);
  });

  it('a UTF-8 character cut at the end of the sniffed head is still text', () => {
    const text = Buffer.from('я'.repeat(2000));
    expect(sniff(text.subarray(0, 1445))).toBe('text/plain');
  });

  it('markup a browser would run is active content', () => {
    for (const t of ['text/html', 'image/svg+xml', 'text/xml']) expect(isActiveContent(t)).toBe(true);
    for (const t of ['image/png', 'text/plain', 'application/pdf']) expect(isActiveContent(t)).toBe(false);
  });
});
