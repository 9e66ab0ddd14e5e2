// The web app's session cookie: its names and how it is read.
import type { Request } from 'express';

export const SESSION_COOKIE = 'rd_session';
/** Over HTTPS the cookie is `__Host-` prefixed: Secure, host-only, path /. */
export const SECURE_SESSION_COOKIE = '__Host-rd_session';

/** The session cookie's value, under either name. */
export function sessionCookieOf(req: Request): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (name === SESSION_COOKIE || name === SECURE_SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

