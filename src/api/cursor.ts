// The one cursor of keyset pagination: the last row's (timestamp, id), opaque to the caller.
import { z } from 'zod';
import { badRequest } from './errors';

const position = z.tuple([z.iso.datetime({ offset: true }), z.string().min(1).max(120)]);

export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.toISOString(), id])).toString('base64url');
}

/** The position a cursor names; anything this API did not issue (or whose id does not fit `id`) is 400. */
export function decodeCursor(cursor: string, id: z.ZodType<string>): { at: string; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString());
  } catch {
    parsed = undefined;
  }
  const p = position.safeParse(parsed);
  const year = p.success ? Number(p.data[0].slice(0, 4)) : 0;
  if (!p.success || year < 1970 || year > 9000 || !id.safeParse(p.data[1]).success) throw badRequest('the cursor is not one this API issued');
  return { at: p.data[0], id: p.data[1] };
}

/** The cursor of a ranked list (search): how many results came before the next page. */
export function encodeOffset(offset: number): string {
  return Buffer.from(JSON.stringify(['offset', offset])).toString('base64url');
}

export function decodeOffset(cursor: string): number {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString());
  } catch {
    parsed = undefined;
  }
  const p = z.tuple([z.literal('offset'), z.number().int().min(1).max(10_000)]).safeParse(parsed);
  if (!p.success) throw badRequest('the cursor is not one this API issued');
  return p.data[1];
}
