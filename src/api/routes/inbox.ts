import { Router } from 'express';
import type { Db } from '../../db/knex';
import { acknowledgeEscalation, escalationsFor, inboxPage, markRead, requestTitles, resolveEscalation } from '../../stores/notifications';
import { answerLanguage } from '../language';
import { causeRu, notificationRu } from '../../domain/notifications-ru';
import { actorOf, requireRole } from '../auth';
import { badRequest, notFound } from '../errors';
import { decodeCursor, encodeCursor } from '../cursor';
import { escalationsQuery, inboxQuery, rowIdParam } from '../schemas';

/** A row id from the path; one this API never issues is 400. */
function rowId(raw: unknown): string {
  const id = rowIdParam.safeParse(raw);
  if (!id.success) throw badRequest('not an id this API issues');
  return id.data;
}

export function inboxRouter({ db }: { db: Db }): Router {
  const router = Router();

  router.get('/inbox', async (req, res) => {
    const q = inboxQuery.parse(req.query);
    const rows = await inboxPage(db, actorOf(req), { unread: q.unread === 'true', limit: q.limit + 1, after: q.cursor ? decodeCursor(q.cursor, rowIdParam) : undefined });
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    const language = await answerLanguage(db, req, res);
    const titles = language === 'ru' ? await requestTitles(db, [...new Set(page.flatMap((n) => (n.requestId ? [n.requestId] : [])))]) : new Map<string, string>();
    res.json({
      language,
      items: page.map(({ at: _at, ...n }) => (language === 'ru' ? { ...n, text: notificationRu(n.kind, n.text, n.requestId ? titles.get(n.requestId) : undefined) } : n)),
      nextCursor: rows.length > q.limit && last ? encodeCursor(last.at, last.id) : null,
    });
  });

  router.post('/inbox/:notificationId/read', async (req, res) => {
    if (!(await markRead(db, actorOf(req), rowId(req.params.notificationId)))) throw notFound('no such notification');
    res.status(204).end();
  });

  /** Escalations: a manager sees their own, the head every one; each is acknowledged by its owner. */
  router.get('/escalations', requireRole('manager', 'head'), async (req, res) => {
    const items = await escalationsFor(db, actorOf(req), escalationsQuery.parse(req.query));
    // Causes in the person's language, as the inbox.
    const language = await answerLanguage(db, req, res);
    res.json({ items: language === 'ru' ? items.map((e) => ({ ...e, cause: causeRu(e.cause) })) : items });
  });

  router.post('/escalations/:escalationId/acknowledge', requireRole('manager', 'head'), async (req, res) => {
    if (!(await acknowledgeEscalation(db, actorOf(req), rowId(req.params.escalationId)))) throw notFound('no such open escalation of yours');
    res.status(204).end();
  });

  router.post('/escalations/:escalationId/resolve', requireRole('manager', 'head'), async (req, res) => {
    if (!(await resolveEscalation(db, actorOf(req), rowId(req.params.escalationId)))) throw notFound('no such unresolved escalation of yours');
    res.status(204).end();
  });

  return router;
}
