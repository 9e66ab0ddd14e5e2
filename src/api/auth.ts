import { createHash, randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Actor, Role } from '../domain';
import type { Db } from '../db/knex';
import { forbidden, unauthorized } from './errors';

/** Tokens are random and long, so a fast hash is enough: nothing to brute-force. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function newToken(): string {
  return `rd_${randomBytes(24).toString('base64url')}`;
}

declare module 'express-serve-static-core' {
  interface Request {
    actor?: Actor;
  }
}

export function authenticate(db: Db): RequestHandler {
  return async (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw unauthorized('a bearer token is required');
    const row = await db('api_credentials as k')
      .leftJoin('staff as s', 's.id', 'k.staff_id')
      .leftJoin('client_contacts as c', 'c.id', 'k.contact_id')
      .where('k.token_hash', hashToken(match[1]))
      .whereNull('k.revoked_at')
      .where((q) => q.whereNull('k.expires_at').orWhere('k.expires_at', '>', db.fn.now()))
      .first<
        { id: string; staff_id: string | null; role: Role | null; active: boolean | null; contact_id: string | null; client_id: string | null } | undefined
      >('k.id', 'k.staff_id', 's.role', 's.active', 'k.contact_id', 'c.client_id');
    if (!row) throw unauthorized('the token is unknown, revoked or expired');
    req.credentialId = row.id;
    if (row.staff_id && row.role && row.active) req.actor = { id: row.staff_id, role: row.role };
    else if (row.contact_id && row.client_id) req.actor = { id: row.contact_id, role: 'client', clientId: row.client_id };
    else throw unauthorized('the token belongs to nobody active');
    next();
  };
}

export function actorOf(req: { actor?: Actor }): Actor {
  if (!req.actor) throw unauthorized('not authenticated');
  return req.actor;
}

export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    const actor = actorOf(req);
    if (!roles.includes(actor.role)) throw forbidden(`this needs the role ${roles.join(' or ')}; you are ${actor.role}`);
    next();
  };
}
