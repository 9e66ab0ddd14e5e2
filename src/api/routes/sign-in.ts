// Sign-in for people (the web app): invitations, e-mail and password, server-side sessions in an
// httpOnly cookie, a CSRF token for every state-changing call, sign-out here or everywhere.
// Bearer tokens stay for integrations; roles and visibility are the same either way.
import { Router, type Request, type Response } from 'express';
import type { Db } from '../../db/knex';
import { recordAdminChange } from '../../stores/admin-audit';
import { acceptInvitation, createInvitation, endAllSessions, endSession, invitee, openInvitation, signIn, type Session } from '../../stores/sign-in';
import { actorOf, requireRole } from '../auth';
import { HttpError, badRequest, notFound, unauthorized, unprocessable } from '../errors';
import type { Logger } from 'pino';
import { rateLimit } from '../middleware';
import { SharedRateLimiter } from '../shared-rate-limit';
import { invitationBody, invitationTokenParam, passwordBody, preferencesBody, signInBody } from '../schemas';
import { languageOf, setLanguage, timeZoneOfPerson } from '../../stores/preferences';
import { SECURE_SESSION_COOKIE, SESSION_COOKIE } from '../session-cookie';

function setSessionCookie(req: Request, res: Response, s: Session): void {
  const secure = req.secure;
  res.cookie(secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE, s.token, { httpOnly: true, secure, sameSite: 'lax', path: '/', expires: new Date(s.expiresAt) });
}

function clearSessionCookie(req: Request, res: Response): void {
  res.clearCookie(req.secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE, { httpOnly: true, secure: req.secure, sameSite: 'lax', path: '/' });
}

const tokenOf = (req: Request) => {
  const t = invitationTokenParam.safeParse(req.params.token);
  if (!t.success) throw notFound('no such invitation, or it was used or has expired');
  return t.data;
};

/** The routes anyone may call: sign in, read and accept an invitation. Throttled per address. */
export function publicSignInRouter({ db, perMinute = 30, logger, scope = '' }: { db: Db; perMinute?: number; logger: Logger; scope?: string }): Router {
  const router = Router();
  // Per address, shared by every API process: a guesser gains nothing by spreading over them.
  const throttle = rateLimit(new SharedRateLimiter(db, logger, perMinute, 1), `${scope}sign-in:${perMinute}:`);

  router.post('/auth/login', throttle, async (req, res) => {
    const b = signInBody.parse(req.body ?? {});
    const result = await signIn(db, b.email, b.password, req.get('user-agent'));
    if (!result.ok) {
      if (result.locked) {
        const wait = Math.max(1, Math.ceil((Date.parse(result.locked.until) - Date.now()) / 1000));
        throw new HttpError(429, 'Too Many Requests', `too many failed sign-ins: the account is locked until ${result.locked.until}`, { lockedUntil: result.locked.until }, { 'Retry-After': String(wait) });
      }
      throw unauthorized('the e-mail or the password is wrong');
    }
    // A new session id on every sign-in: a session planted before it is never the one in use.
    setSessionCookie(req, res, result.session);
    res.json({ actor: result.actor, csrfToken: result.session.csrfToken, expiresAt: result.session.expiresAt });
  });

  router.get('/auth/invitations/:token', throttle, async (req, res) => {
    const who = await openInvitation(db, tokenOf(req));
    if (!who) throw notFound('no such invitation, or it was used or has expired');
    res.json(who);
  });

  router.post('/auth/invitations/:token/accept', throttle, async (req, res) => {
    const b = passwordBody.parse(req.body ?? {});
    const token = tokenOf(req);
    const accepted = await acceptInvitation(db, token, b.password, req.get('user-agent'));
    if (!accepted) throw notFound('no such invitation, or it was used or has expired');
    setSessionCookie(req, res, accepted.session);
    res.status(201).json({ actor: accepted.actor, csrfToken: accepted.session.csrfToken, expiresAt: accepted.session.expiresAt });
  });

  return router;
}

/** The routes of a signed-in person, and the administrator's invitations. */
export function sessionRouter({ db }: { db: Db }): Router {
  const router = Router();

  /** Who I am and the CSRF token the web app sends with every change. */
  router.get('/auth/session', async (req, res) => {
    const actor = actorOf(req);
    res.json({ actor, csrfToken: req.csrfToken ?? null, via: req.sessionIdHash ? 'session' : 'token', language: await languageOf(db, actor), timeZone: await timeZoneOfPerson(db, actor) });
  });

  /** My language (null: my browser's); the web app and the client timeline speak it. */
  router.patch('/me/preferences', async (req, res) => {
    const actor = actorOf(req);
    const b = preferencesBody.parse(req.body);
    await setLanguage(db, actor, b.language);
    res.json({ language: b.language });
  });

  router.post('/auth/logout', async (req, res) => {
    if (!req.sessionIdHash) throw badRequest('signed in with a bearer token: revoke the token instead');
    await endSession(db, req.sessionIdHash);
    clearSessionCookie(req, res);
    res.status(204).end();
  });

  router.post('/auth/logout-everywhere', async (req, res) => {
    const ended = await endAllSessions(db, actorOf(req));
    clearSessionCookie(req, res);
    res.json({ ended });
  });

  /** An invitation link for a person, shown once: they choose their password with it. */
  router.post('/admin/invitations', requireRole('admin'), async (req, res) => {
    const b = invitationBody.parse(req.body ?? {});
    const person = b.staffId ? { staffId: b.staffId } : { contactId: b.contactId as string };
    const who = await invitee(db, person);
    if (!who) throw unprocessable(b.staffId ? `no active person of staff ${b.staffId}` : `no client contact ${b.contactId}`);
    const inv = await createInvitation(db, person, actorOf(req).id, b.expiresInHours);
    await recordAdminChange(db, actorOf(req), 'invitation.create', b.staffId ?? (b.contactId as string), { invitationId: inv.id, email: who.email, expiresAt: inv.expiresAt });
    res.status(201).json({ id: inv.id, token: inv.token, path: `/app/invite/${inv.token}`, expiresAt: inv.expiresAt, for: who });
  });

  return router;
}
