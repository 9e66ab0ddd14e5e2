import type { RequestHandler } from 'express';
import type { Actor, Role } from '../domain';
import type { Db } from '../db/knex';
import { tokenHolder } from '../stores/credentials';
import { sameToken, sessionHolder } from '../stores/sign-in';
import { forbidden, unauthorized } from './errors';
import type { TokenCache } from './token-cache';
import { sessionCookieOf } from './session-cookie';

export { hashToken, newToken } from '../stores/credentials';

declare module 'express-serve-static-core' {
  interface Request {
    actor?: Actor;
    /** Set when the caller is signed in with a session cookie (the web app). */
    sessionIdHash?: string;
    csrfToken?: string;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Who is calling: a bearer token (integrations), or a session cookie (people in the web app).
 * A cookie travels by itself, so every state-changing call on a session must also carry the
 * session's CSRF token (`X-CSRF-Token`) and, when the browser names one, come from this origin.
 */
export function authenticate(db: Db, tokens?: TokenCache): RequestHandler {
  return async (req, _res, next) => {
    const header = req.get('authorization');
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match?.[1]) throw unauthorized('a bearer token is required');
      const holder = tokens ? await tokens.holder(match[1]) : await tokenHolder(db, match[1]);
      if (!holder) throw unauthorized('the token is unknown, revoked or expired');
      req.credentialId = holder.credentialId;
      if (!holder.actor) throw unauthorized('the token belongs to nobody active');
      req.actor = holder.actor;
      next();
      return;
    }
    const cookie = sessionCookieOf(req);
    if (!cookie) throw unauthorized('a bearer token or a session is required');
    const session = await sessionHolder(db, cookie);
    if (!session) throw unauthorized('the session has ended; sign in again');
    if (!SAFE_METHODS.has(req.method)) {
      const origin = req.get('origin');
      if (origin !== undefined && origin !== `${req.protocol}://${req.get('host')}`) throw forbidden('a call from another site is refused');
      if (!sameToken(req.get('x-csrf-token'), session.csrfToken)) throw forbidden('the X-CSRF-Token of the session is missing or wrong');
    }
    req.credentialId = `session:${session.idHash}`;
    req.sessionIdHash = session.idHash;
    req.csrfToken = session.csrfToken;
    req.actor = session.actor;
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
