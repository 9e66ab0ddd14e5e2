// The conversation of a request: public replies and internal notes. Only here, never in the
// workflow's state. An edit keeps the text it replaces (message_revisions); a delete is soft.
import { randomUUID } from 'node:crypto';
import { rowsOf, type Db } from '../db/knex';
import type { Role } from '../domain';

export interface Message {
  id: string;
  seq: number;
  requestId: string;
  author: { id: string; role: Role };
  internal: boolean;
  /** Null once deleted (staff still see that it was, by whom and why). */
  body: string | null;
  minutes: number | null;
  category: string | null;
  createdAt: string;
  editedAt: string | null;
  revision: number;
  deleted: { at: string; by: string; reason: string } | null;
}

interface MessageRow {
  id: string;
  seq: string | number;
  request_id: string;
  author_id: string;
  author_role: Role;
  internal: boolean;
  body: string;
  minutes: number | null;
  category: string | null;
  created_at: Date;
  edited_at: Date | null;
  revision: number;
  deleted_at: Date | null;
  deleted_by: string | null;
  delete_reason: string | null;
}

const COLUMNS = ['id', 'seq', 'request_id', 'author_id', 'author_role', 'internal', 'body', 'minutes', 'category', 'created_at', 'edited_at', 'revision', 'deleted_at', 'deleted_by', 'delete_reason'];

function toMessage(r: MessageRow): Message {
  return {
    id: r.id,
    seq: Number(r.seq),
    requestId: r.request_id,
    author: { id: r.author_id, role: r.author_role },
    internal: r.internal,
    body: r.deleted_at ? null : r.body,
    minutes: r.minutes,
    category: r.category,
    createdAt: r.created_at.toISOString(),
    editedAt: r.edited_at?.toISOString() ?? null,
    revision: r.revision,
    deleted: r.deleted_at ? { at: r.deleted_at.toISOString(), by: r.deleted_by ?? '', reason: r.delete_reason ?? '' } : null,
  };
}

export interface NewMessage {
  requestId: string;
  clientId: string;
  authorId: string;
  authorRole: Role;
  internal: boolean;
  body: string;
  minutes?: number | undefined;
  category?: string | undefined;
  /** The author's Idempotency-Key digest: a retry finds the message it made. */
  idempotencyKey: string;
}

/** Posts a message once per idempotency key: `created` is false when this key had posted it already. */
export async function postMessage(db: Db, m: NewMessage): Promise<{ message: Message; created: boolean; sameBody: boolean }> {
  const inserted = await rowsOf<MessageRow[]>(db('messages')
    .insert({
      id: randomUUID(),
      request_id: m.requestId,
      client_id: m.clientId,
      author_id: m.authorId,
      author_role: m.authorRole,
      internal: m.internal,
      body: m.body,
      minutes: m.minutes ?? null,
      category: m.category ?? null,
      idempotency_key: m.idempotencyKey,
    })
    .onConflict('idempotency_key')
    .ignore()
    .returning(COLUMNS));
  if (inserted[0]) return { message: toMessage(inserted[0]), created: true, sameBody: true };
  const row = await rowsOf<MessageRow>(db('messages').where({ idempotency_key: m.idempotencyKey }).first(COLUMNS));
  const sameBody = row.request_id === m.requestId && row.body === m.body && row.internal === m.internal && (row.minutes ?? undefined) === m.minutes;
  return { message: toMessage(row), created: false, sameBody };
}

/** The message an idempotency key posted, if any. */
export async function messageByKey(db: Db, idempotencyKey: string): Promise<Message | undefined> {
  const row = await rowsOf<MessageRow | undefined>(db('messages').where({ idempotency_key: idempotencyKey }).first(COLUMNS));
  return row ? toMessage(row) : undefined;
}

/** The message if it belongs to this request. */
export async function messageOf(db: Db, requestId: string, id: string): Promise<Message | undefined> {
  const row = await rowsOf<MessageRow | undefined>(db('messages').where({ request_id: requestId, id }).first(COLUMNS));
  return row ? toMessage(row) : undefined;
}

/** A page of the conversation, oldest first, after message number `after`; a client's page has only public messages still standing. */
export async function messagePage(db: Db, requestId: string, q: { after: number; limit: number; publicOnly: boolean }): Promise<{ items: Message[]; next: number | null }> {
  let query = db('messages').where({ request_id: requestId }).where('seq', '>', q.after).orderBy('seq').limit(q.limit + 1).select(COLUMNS);
  if (q.publicOnly) query = query.where({ internal: false }).whereNull('deleted_at');
  const rows = await rowsOf<MessageRow[]>(query);
  const items = rows.slice(0, q.limit).map(toMessage);
  return { items, next: rows.length > q.limit ? (items.at(-1)?.seq ?? null) : null };
}

/** Replaces the text; the text it replaces is kept as a revision (who replaced it, when). */
export async function editMessage(db: Db, requestId: string, id: string, body: string, by: string): Promise<Message | undefined> {
  return db.transaction(async (trx) => {
    const row = await rowsOf<MessageRow | undefined>(trx('messages').where({ request_id: requestId, id }).forUpdate().first(COLUMNS));
    if (!row || row.deleted_at) return undefined;
    if (row.body === body) return toMessage(row);
    const now = new Date();
    await trx('message_revisions').insert({ message_id: id, revision: row.revision, body: row.body, replaced_by: by, replaced_at: now });
    const [updated] = await rowsOf<MessageRow[]>(trx('messages').where({ id }).update({ body, revision: row.revision + 1, edited_at: now }).returning(COLUMNS));
    return toMessage(updated!);
  });
}

/** Soft delete: the text stays in the database (and its revisions), hidden from everyone; who and why are recorded. */
export async function deleteMessage(db: Db, requestId: string, id: string, by: string, reason: string): Promise<Message | undefined> {
  const [row] = await rowsOf<MessageRow[]>(db('messages')
    .where({ request_id: requestId, id })
    .whereNull('deleted_at')
    .update({ deleted_at: db.fn.now(), deleted_by: by, delete_reason: reason })
    .returning(COLUMNS));
  return row ? toMessage(row) : undefined;
}

/** The texts a message had before its edits, oldest first. */
export async function messageRevisions(db: Db, id: string): Promise<{ revision: number; body: string; replacedBy: string; replacedAt: string }[]> {
  const rows = await rowsOf<{ revision: number; body: string; replaced_by: string; replaced_at: Date }[]>(db('message_revisions').where({ message_id: id }).orderBy('revision'));
  return rows.map((r) => ({ revision: r.revision, body: r.body, replacedBy: r.replaced_by, replacedAt: r.replaced_at.toISOString() }));
}
