// The request read model: who sees which request, the list, the stored state, the timeline's
// events, and the Idempotency-Keys of filed requests.
import type { Knex } from 'knex';
import { rowsOf, type Db } from '../db/knex';
import type { Actor, AuditEvent, Priority, RequestState, Stage } from '../domain';

/**
 * Who may see a request, in one place: a client their organisation's; a specialist those they
 * work on (assignee, helper, mentor); a manager their clients' (as the request's manager or the
 * client's account manager); the head every one. Anything else is 404, never 403.
 */
export function visibleTo<Q extends Knex.QueryBuilder>(db: Db, actor: Actor, q: Q): Q {
  if (actor.role === 'client') return q.where('requests.client_id', actor.clientId ?? '') as Q;
  if (actor.role === 'specialist') {
    return q.whereExists(
      db('tasks')
        .whereRaw('tasks.request_id = requests.id')
        .where((w) => w.where('tasks.assignee_id', actor.id).orWhere('tasks.mentor_id', actor.id).orWhereRaw('? = any(tasks.helper_ids)', [actor.id])),
    ) as Q;
  }
  if (actor.role === 'manager') {
    return q.where((w) =>
      // `any(array(…))` is worked out once (an InitPlan), so both arms can use an index (BitmapOr).
      w.where('requests.manager_id', actor.id).orWhereRaw('requests.client_id = any(array(select id from clients where account_manager_id = ?))', [actor.id]),
    ) as Q;
  }
  return q;
}

/** The page of the request list an actor asked for, newest first, keyset-paginated (the benchmark explains this query). */
export interface RequestListQuery {
  clientId?: string | undefined;
  stage?: Stage | undefined;
  priority?: Priority | undefined;
  managerId?: string | undefined;
  needsAttention?: 'true' | 'false' | undefined;
  limit: number;
  /** The position (created_at, id) of the last row of the page before. */
  after?: { at: string; id: string } | undefined;
}

export function requestList(db: Db, actor: Actor, q: RequestListQuery): Knex.QueryBuilder {
  let query = db('requests')
    .select('id', 'key', 'client_id', 'title', 'priority', 'stage', 'manager_id', 'estimate_total_hours', 'version', 'created_at', 'updated_at', 'closed_at', 'attention_reason', 'triage_due_at')
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(q.limit + 1);
  query = visibleTo(db, actor, query);
  if (q.clientId) query = query.where('client_id', q.clientId);
  if (q.stage) query = query.where('stage', q.stage);
  if (q.priority) query = query.where('priority', q.priority);
  if (q.managerId) query = query.where('manager_id', q.managerId);
  if (q.needsAttention && actor.role !== 'client') query = q.needsAttention === 'true' ? query.whereNotNull('attention_reason') : query.whereNull('attention_reason');
  if (q.after) query = query.whereRaw('(created_at, id) < (?::timestamptz, ?::uuid)', [q.after.at, q.after.id]);
  return query;
}

export interface RequestListRow {
  id: string;
  key: string | null;
  client_id: string;
  title: string;
  priority: string;
  stage: string;
  manager_id: string;
  estimate_total_hours: number | null;
  version: number;
  created_at: Date;
  updated_at: Date;
  closed_at: Date | null;
  attention_reason: string | null;
  triage_due_at: Date | null;
}

export async function listRequests(db: Db, actor: Actor, q: RequestListQuery): Promise<RequestListRow[]> {
  return rowsOf<RequestListRow[]>(requestList(db, actor, q));
}

/** A request as the API names it: its id, its key (`ACME-42`, null for one filed before keys), its client. */
export interface RequestRef {
  id: string;
  key: string | null;
  client_id: string;
}

/**
 * The request's row when this person may see it; `ref` is its id or its key. The key comes from
 * `request_keys`, written when the key is given (before the workflow starts), so it names the
 * workflow even while a worker of an earlier release projects the request.
 */
export async function visibleRequest(db: Db, actor: Actor, ref: { id: string } | { key: string }): Promise<RequestRef | undefined> {
  const base = db('requests').leftJoin('request_keys', 'request_keys.request_id', 'requests.id');
  const q = 'id' in ref ? base.where('requests.id', ref.id) : base.where('request_keys.key', ref.key);
  return visibleTo(db, actor, q).first<RequestRef | undefined>('requests.id', 'request_keys.key', 'requests.client_id');
}

/**
 * What decides who may see a request (`visibleTo`'s rule), as the read model holds it now: its
 * client, its manager, its client's account manager, everyone on its tasks, and its version.
 */
export interface RequestAccessRow extends RequestRef {
  manager_id: string;
  account_manager_id: string | null;
  staff: string[];
  version: number;
}

/** The request's access facts, whoever asks; `ref` is its id or its key. One query. */
export async function requestAccess(db: Db, ref: { id: string } | { key: string }): Promise<RequestAccessRow | undefined> {
  const base = db('requests')
    .leftJoin('request_keys', 'request_keys.request_id', 'requests.id')
    .join('clients', 'clients.id', 'requests.client_id')
    .select(
      'requests.id',
      'request_keys.key',
      'requests.client_id',
      'requests.manager_id',
      'requests.version',
      'clients.account_manager_id',
      db.raw('array(select p from tasks t, unnest(array[t.assignee_id, t.mentor_id] || t.helper_ids) p where t.request_id = requests.id and p is not null) as staff'),
    );
  const q = 'id' in ref ? base.where('requests.id', ref.id) : base.where('request_keys.key', ref.key);
  return q.first<RequestAccessRow | undefined>();
}

/** `visibleTo`'s rule on a request's access facts (the same rule, for one request already read). */
export function mayView(actor: Actor, a: Pick<RequestAccessRow, 'client_id' | 'manager_id' | 'account_manager_id' | 'staff'>): boolean {
  switch (actor.role) {
    case 'client':
      return a.client_id === (actor.clientId ?? '');
    case 'specialist':
      return a.staff.includes(actor.id);
    case 'manager':
      return a.manager_id === actor.id || a.account_manager_id === actor.id;
    case 'head':
      return true;
    default:
      return false;
  }
}

/** The workflow id of a request: `request-<key>`, or `request-<id>` for one filed before keys. */
export async function workflowRefOf(db: Db, requestId: string): Promise<string> {
  const row = await db('request_keys').where({ request_id: requestId }).first<{ key: string } | undefined>('key');
  return row?.key ?? requestId;
}

/** The request a workflow id's suffix names (its key, or its id for one filed before keys). */
export async function requestIdOfRef(db: Db, ref: string): Promise<string | undefined> {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref)) return ref;
  const row = await db('request_keys').where({ key: ref }).first<{ request_id: string } | undefined>('request_id');
  return row?.request_id;
}

export async function isListed(db: Db, id: string): Promise<boolean> {
  return (await db('requests').where({ id }).first('id')) !== undefined;
}

/** The state as last projected (without its records). */
export async function storedState(db: Db, id: string): Promise<RequestState> {
  const row = await db('requests').where({ id }).first<{ state: RequestState }>('state');
  return row.state;
}

/** A page of the request's audit events, by number. */
export async function eventsPage(db: Db, requestId: string, after: number, limit: number): Promise<AuditEvent[]> {
  const rows = (await db('audit_events').where({ request_id: requestId }).where('seq', '>', after).orderBy('seq').limit(limit)) as {
    seq: number;
    at: Date;
    actor_id: string;
    actor_role: AuditEvent['actorRole'];
    type: string;
    detail: Record<string, unknown>;
  }[];
  return rows.map((e) => ({ seq: e.seq, at: e.at.toISOString(), actorId: e.actor_id, actorRole: e.actor_role, type: e.type, detail: e.detail }));
}
