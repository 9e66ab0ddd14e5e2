// The Idempotency-Key header, as every route that honours it reads it, and the digest its keys travel as.
import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { badRequest } from './errors';

/** The Idempotency-Key header, checked: 1–200 visible ASCII characters. */
export function idempotencyKeyOf(req: Request): string | undefined {
  const key = req.get('idempotency-key');
  if (key !== undefined && !/^[\x21-\x7e]{1,200}$/.test(key)) throw badRequest('Idempotency-Key must be 1–200 visible ASCII characters');
  return key;
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
