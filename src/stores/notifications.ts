// Notifications (the inbox) and escalations: who reads which, and what they do with them.
import { rowsOf, type Db } from '../db/knex';
import type { Actor } from '../domain';

interface NotificationRow {
  id: string;
  request_id: string | null;
  kind: string;
  text: string;
  created_at: Date;
  read_at: Date | null;
}

export interface InboxItem {
  id: string;
  requestId: string | null;
  kind: string;
  text: string;
  createdAt: string;
  read: boolean;
  /** For the next page's cursor. */
  at: Date;
}

/** What is addressed to this person: to them by name, or to everyone of their role (the head, a client's contacts). */
function addressedTo(db: Db, actor: Actor) {
  return db('notifications').where((q) => {
    q.where('recipient_id', actor.id).orWhere((b) => {
      b.whereNull('recipient_id').where('recipient_role', actor.role);
      if (actor.role === 'client') b.where('client_id', actor.clientId ?? '');
    });
  });
}

/** A page of the inbox, newest first, after the position (created_at, id) of the last page. */
export async function inboxPage(db: Db, actor: Actor, q: { unread: boolean; limit: number; after?: { at: string; id: string } | undefined }): Promise<InboxItem[]> {
  let query = addressedTo(db, actor)
    .select('id', 'request_id', 'kind', 'text', 'created_at', 'read_at')
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(q.limit);
  if (q.unread) query = query.whereNull('read_at');
  if (q.after) query = query.whereRaw('(created_at, id) < (?::timestamptz, ?)', [q.after.at, q.after.id]);
  const rows = (await query) as NotificationRow[];
  return rows.map((n) => ({ id: n.id, requestId: n.request_id, kind: n.kind, text: n.text, createdAt: n.created_at.toISOString(), read: n.read_at !== null, at: n.created_at }));
}

/** Marks one of this person's notifications read; false when there is none such. */
export async function markRead(db: Db, actor: Actor, id: string): Promise<boolean> {
  return (await addressedTo(db, actor).where('id', id).update({ read_at: db.fn.now() })) > 0;
}

export type EscalationState = 'open' | 'acknowledged' | 'resolved' | 'all';

/** Escalations: a manager's own, the head every one; open ones are neither taken on nor ended (an escalation ends with its request). */
export async function escalationsFor(db: Db, actor: Actor, q: { state: EscalationState; limit: number }) {
  let query = db('escalations').orderBy('raised_at', 'desc').limit(q.limit);
  if (actor.role === 'manager') query = query.where('owner_id', actor.id);
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
  return rows.map((e) => ({
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
  }));
}

/** The owner (a manager their own, the head any) takes an escalation on; false when there is none such open. */
export async function acknowledgeEscalation(db: Db, actor: Actor, id: string): Promise<boolean> {
  let query = db('escalations').where('id', id).whereNull('acknowledged_at');
  if (actor.role === 'manager') query = query.where('owner_id', actor.id);
  return (await query.update({ acknowledged_at: db.fn.now(), acknowledged_by: actor.id })) > 0;
}

export async function resolveEscalation(db: Db, actor: Actor, id: string): Promise<boolean> {
  let query = db('escalations').where('id', id).whereNull('resolved_at');
  if (actor.role === 'manager') query = query.where('owner_id', actor.id);
  const n = await query.update({ resolved_at: db.fn.now(), acknowledged_at: db.raw('coalesce(acknowledged_at, now())'), acknowledged_by: db.raw('coalesce(acknowledged_by, ?)', [actor.id]) });
  return n > 0;
}

export interface Delivery {
  id: string;
  request_id: string;
  client_id: string;
  recipient_role: string;
  recipient_id: string | null;
  kind: string;
  text: string;
  created_at: Date;
  delivery_attempts: number;
}

/**
 * Claims up to `limit` notifications due for delivery to the webhook, oldest first (of these `ids`
 * only, if given): not delivered, made within the last `withinSeconds`, under `maxAttempts`, and
 * not claimed by another worker. Each claim counts an attempt and holds the notification for
 * `leaseSeconds`: one whose worker died is due again after that.
 */
export async function claimDeliveries(db: Db, o: { limit: number; leaseSeconds: number; maxAttempts: number; withinSeconds: number; ids?: string[] }): Promise<Delivery[]> {
  const { rows } = await db.raw<{ rows: Delivery[] }>(
    `update notifications n
        set delivery_attempts = n.delivery_attempts + 1, delivery_due_at = now() + make_interval(secs => ?)
      where n.id in (
        select id from notifications
         where delivered_at is null and created_at > now() - make_interval(secs => ?)
           and (delivery_due_at is null or delivery_due_at <= now()) and delivery_attempts < ?
           ${o.ids ? 'and id = any(?)' : ''}
         order by created_at
         limit ?
         for update skip locked)
      returning n.id, n.request_id, n.client_id, n.recipient_role, n.recipient_id, n.kind, n.text, n.created_at, n.delivery_attempts`,
    [o.leaseSeconds, o.withinSeconds, o.maxAttempts, ...(o.ids ? [o.ids] : []), o.limit],
  );
  return rows.sort((a, b) => a.created_at.getTime() - b.created_at.getTime());
}

/** When the next delivery waiting for a retry (or a lapsed claim) is due, if any. */
export async function nextDeliveryDue(db: Db, o: { maxAttempts: number; withinSeconds: number }): Promise<Date | undefined> {
  const row = (await db('notifications')
    .whereNull('delivered_at')
    .where('created_at', '>', db.raw('now() - make_interval(secs => ?)', [o.withinSeconds]))
    .where('delivery_attempts', '<', o.maxAttempts)
    .min({ due: 'delivery_due_at' })
    .first()) as { due: Date | null } | undefined;
  return row?.due ?? undefined;
}

/** A delivery that failed is due again in `seconds`. */
export async function deliveryFailed(db: Db, id: string, seconds: number): Promise<void> {
  await db('notifications').where({ id }).update({ delivery_due_at: db.raw('now() + make_interval(secs => ?)', [seconds]) });
}

export async function delivered(db: Db, id: string): Promise<void> {
  await db('notifications').where({ id }).update({ delivered_at: db.fn.now() });
}

/** The titles of these requests, by id (to word their notices in another language). */
export async function requestTitles(db: Db, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await rowsOf<{ id: string; title: string }[]>(db('requests').whereIn('id', ids).select('id', 'title'));
  return new Map(rows.map((r) => [r.id, r.title]));
}
