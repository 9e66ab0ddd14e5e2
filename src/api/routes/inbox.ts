import { Router } from 'express';
import type { Db } from '../../db/knex';
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

interface NotificationRow {
  id: string;
  request_id: string | null;
  kind: string;
  text: string;
  created_at: Date;
  read_at: Date | null;
}

export function inboxRouter({ db }: { db: Db }): Router {
  const router = Router();

  /** What is addressed to this person: to them by name, or to everyone of their role (the head, a client's contacts). */
  const mine = (req: Parameters<Parameters<Router['get']>[1]>[0]) => {
    const actor = actorOf(req);
    return db('notifications').where((q) => {
      q.where('recipient_id', actor.id).orWhere((b) => {
        b.whereNull('recipient_id').where('recipient_role', actor.role);
        if (actor.role === 'client') b.where('client_id', actor.clientId ?? '');
      });
    });
  };

  router.get('/inbox', async (req, res) => {
    const q = inboxQuery.parse(req.query);
    let query = mine(req)
      .select('id', 'request_id', 'kind', 'text', 'created_at', 'read_at')
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(q.limit + 1);
    if (q.unread === 'true') query = query.whereNull('read_at');
    if (q.cursor) {
      const { at, id } = decodeCursor(q.cursor, rowIdParam);
      query = query.whereRaw('(created_at, id) < (?::timestamptz, ?)', [at, id]);
    }
    const rows = (await query) as NotificationRow[];
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    res.json({
      items: page.map((n) => ({ id: n.id, requestId: n.request_id, kind: n.kind, text: n.text, createdAt: n.created_at.toISOString(), read: n.read_at !== null })),
      nextCursor: rows.length > q.limit && last ? encodeCursor(last.created_at, last.id) : null,
    });
  });

  router.post('/inbox/:notificationId/read', async (req, res) => {
    const n = await mine(req).where('id', rowId(req.params.notificationId)).update({ read_at: db.fn.now() });
    if (n === 0) throw notFound('no such notification');
    res.status(204).end();
  });

  /** Escalations: a manager sees their own, the head every one; each is acknowledged by its owner. */
  router.get('/escalations', requireRole('manager', 'head'), async (req, res) => {
    const actor = actorOf(req);
    const q = escalationsQuery.parse(req.query);
    let query = db('escalations').orderBy('raised_at', 'desc').limit(q.limit);
    if (actor.role === 'manager') query = query.where('owner_id', actor.id);
    // Open: nobody has taken it on and it has not ended (an escalation ends with its request).
    if (q.state === 'open') query = query.whereNull('acknowledged_at').whereNull('resolved_at');
    if (q.state === 'acknowledged') query = query.whereNotNull('acknowledged_at').whereNull('resolved_at');
    if (q.state === 'resolved') query = query.whereNotNull('resolved_at');
    const rows = (await query) as {
      id: string;
      request_id: string | null;
      kind: string;
      owner_role: string;
      owner_id: string | null;
      task_id: string | null;
      cause: string;
      raised_at: Date;
      acknowledged_at: Date | null;
      acknowledged_by: string | null;
      resolved_at: Date | null;
    }[];
    res.json({
      items: rows.map((e) => ({
        id: e.id,
        requestId: e.request_id,
        kind: e.kind,
        ownerRole: e.owner_role,
        ownerId: e.owner_id,
        taskId: e.task_id,
        cause: e.cause,
        raisedAt: e.raised_at.toISOString(),
        acknowledgedAt: e.acknowledged_at?.toISOString() ?? null,
        acknowledgedBy: e.acknowledged_by,
        resolvedAt: e.resolved_at?.toISOString() ?? null,
      })),
    });
  });

  router.post('/escalations/:escalationId/acknowledge', requireRole('manager', 'head'), async (req, res) => {
    const actor = actorOf(req);
    let query = db('escalations').where('id', rowId(req.params.escalationId)).whereNull('acknowledged_at');
    if (actor.role === 'manager') query = query.where('owner_id', actor.id);
    const n = await query.update({ acknowledged_at: db.fn.now(), acknowledged_by: actor.id });
    if (n === 0) throw notFound('no such open escalation of yours');
    res.status(204).end();
  });

  router.post('/escalations/:escalationId/resolve', requireRole('manager', 'head'), async (req, res) => {
    const actor = actorOf(req);
    let query = db('escalations').where('id', rowId(req.params.escalationId)).whereNull('resolved_at');
    if (actor.role === 'manager') query = query.where('owner_id', actor.id);
    const n = await query.update({ resolved_at: db.fn.now(), acknowledged_at: db.raw('coalesce(acknowledged_at, now())'), acknowledged_by: db.raw('coalesce(acknowledged_by, ?)', [actor.id]) });
    if (n === 0) throw notFound('no such unresolved escalation of yours');
    res.status(204).end();
  });

  return router;
}
