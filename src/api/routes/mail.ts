// The mail channel's routes: each person's mail settings, and the quarantine managers review
// (mails from unknown senders, auto-replies, bounces, loops, unreadable or too large mail).
import { Router } from 'express';
import type { Db } from '../../db/knex';
import { dismissQuarantined, mailSettings, quarantinedMail, quarantinedRaw, setMailSettings } from '../../stores/mail';
import { actorOf, requireRole } from '../auth';
import { badRequest, notFound } from '../errors';
import { mailSettingsBody, quarantineQuery, uuidParam } from '../schemas';

export function mailRouter({ db }: { db: Db }): Router {
  const router = Router();

  router.get('/me/mail', requireRole('client', 'manager', 'specialist', 'head'), async (req, res) => {
    res.json(await mailSettings(db, actorOf(req)));
  });

  /** Replaces my mail settings: the kinds named get their mode, the others follow `*`. */
  router.put('/me/mail', requireRole('client', 'manager', 'specialist', 'head'), async (req, res) => {
    const actor = actorOf(req);
    const body = mailSettingsBody.parse(req.body ?? {});
    await setMailSettings(db, actor, body);
    res.json(await mailSettings(db, actor));
  });

  router.get('/mail/quarantine', requireRole('manager', 'head'), async (req, res) => {
    const q = quarantineQuery.parse(req.query);
    res.json({ items: await quarantinedMail(db, { limit: q.limit, all: q.all === 'true' }) });
  });

  const mailId = (raw: unknown) => {
    const id = uuidParam.safeParse(raw);
    if (!id.success) throw badRequest('not a mail id');
    return id.data;
  };

  /** The quarantined mail as received (as much of it as was kept), to look at. */
  router.get('/mail/quarantine/:mailId/raw', requireRole('manager', 'head'), async (req, res) => {
    const raw = await quarantinedRaw(db, mailId(req.params.mailId));
    if (!raw) throw notFound('no such quarantined mail');
    // Served as a download, never rendered: a mail's HTML is not ours to run.
    res.set({ 'Content-Type': 'message/rfc822', 'Content-Disposition': 'attachment; filename="mail.eml"', 'X-Content-Type-Options': 'nosniff' }).send(raw);
  });

  router.post('/mail/quarantine/:mailId/dismiss', requireRole('manager', 'head'), async (req, res) => {
    if (!(await dismissQuarantined(db, mailId(req.params.mailId), actorOf(req).id))) throw notFound('no such quarantined mail');
    res.status(204).end();
  });

  return router;
}
