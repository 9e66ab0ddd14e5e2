import type { RequestHandler } from 'express';
import type { Actor, Role } from '../domain';
import type { Db } from '../db/knex';
import { tokenHolder } from '../stores/credentials';
import { forbidden, unauthorized } from './errors';

export { hashToken, newToken } from '../stores/credentials';

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
    const holder = await tokenHolder(db, match[1]);
    if (!holder) throw unauthorized('the token is unknown, revoked or expired');
    req.credentialId = holder.credentialId;
    if (!holder.actor) throw unauthorized('the token belongs to nobody active');
    req.actor = holder.actor;
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
