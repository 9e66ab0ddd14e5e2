// Attachments, stored in PostgreSQL (they travel with the database and its backups) in chunks,
// written and read as streams. The type served is what the bytes are, never what the uploader said.
import { createHash, randomUUID } from 'node:crypto';
import { rowsOf, type Db } from '../db/knex';
import type { Role } from '../domain';
import { SNIFF_BYTES, sniff } from '../domain/sniff';

/** Bytes per stored chunk. */
export const CHUNK_BYTES = 256 * 1024;

export interface Attachment {
  id: string;
  requestId: string;
  messageId: string | null;
  filename: string;
  contentType: string;
  declaredType: string | null;
  size: number;
  sha256: string;
  uploadedBy: { id: string; role: Role };
  createdAt: string;
}

interface AttachmentRow {
  id: string;
  request_id: string;
  message_id: string | null;
  filename: string;
  content_type: string;
  declared_type: string | null;
  size: string | number;
  sha256: string;
  uploaded_by: string;
  uploader_role: Role;
  created_at: Date;
}

const COLUMNS = ['attachments.id', 'attachments.request_id', 'attachments.message_id', 'attachments.filename', 'attachments.content_type', 'attachments.declared_type', 'attachments.size', 'attachments.sha256', 'attachments.uploaded_by', 'attachments.uploader_role', 'attachments.created_at'];

function toAttachment(r: AttachmentRow): Attachment {
  return {
    id: r.id,
    requestId: r.request_id,
    messageId: r.message_id,
    filename: r.filename,
    contentType: r.content_type,
    declaredType: r.declared_type,
    size: Number(r.size),
    sha256: r.sha256,
    uploadedBy: { id: r.uploaded_by, role: r.uploader_role },
    createdAt: r.created_at.toISOString(),
  };
}

/** A file over a limit: nothing of it is stored. */
export class AttachmentTooLarge extends Error {
  constructor(readonly limit: 'file' | 'request', readonly maxBytes: number) {
    super(limit === 'file' ? `a file may have at most ${maxBytes} bytes` : `a request's attachments may have at most ${maxBytes} bytes in all`);
  }
}

export interface NewAttachment {
  requestId: string;
  messageId?: string | undefined;
  filename: string;
  declaredType?: string | undefined;
  uploadedBy: string;
  uploaderRole: Role;
  idempotencyKey: string;
  maxFileBytes: number;
  maxRequestBytes: number;
}

/** The attachment an idempotency key stored, if any. */
export async function attachmentByKey(db: Db, idempotencyKey: string): Promise<Attachment | undefined> {
  const row = await rowsOf<AttachmentRow | undefined>(db('attachments').where({ idempotency_key: idempotencyKey }).first(COLUMNS));
  return row ? toAttachment(row) : undefined;
}

/** Bytes a request's attachments take now. */
export async function requestAttachmentBytes(db: Db, requestId: string): Promise<number> {
  const row = await db('attachments').where({ request_id: requestId }).sum<{ total: string | null }>('size as total').first();
  return Number(row?.total ?? 0);
}

/**
 * Streams a file into PostgreSQL in one transaction: chunk by chunk, counting and hashing as it
 * goes. Over a limit, everything is rolled back (AttachmentTooLarge). A second upload under the
 * same key stores nothing and answers with the first (`created` false).
 */
export async function storeAttachment(db: Db, a: NewAttachment, body: AsyncIterable<Buffer | Uint8Array | string>): Promise<{ attachment: Attachment; created: boolean }> {
  const id = randomUUID();
  const hash = createHash('sha256');
  let size = 0;
  let head = Buffer.alloc(0);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let no = 0;
  try {
    return await db.transaction(async (trx) => {
      await trx('attachments').insert({
        id,
        request_id: a.requestId,
        message_id: a.messageId ?? null,
        filename: a.filename,
        declared_type: a.declaredType ?? null,
        content_type: 'application/octet-stream',
        size: 0,
        sha256: '',
        uploaded_by: a.uploadedBy,
        uploader_role: a.uploaderRole,
        idempotency_key: a.idempotencyKey,
      });
      const flush = async (all: boolean) => {
        while (pendingBytes >= CHUNK_BYTES || (all && pendingBytes > 0)) {
          const joined = Buffer.concat(pending);
          const chunk = joined.subarray(0, CHUNK_BYTES);
          const rest = joined.subarray(chunk.length);
          await trx('attachment_chunks').insert({ attachment_id: id, no: no++, data: chunk });
          pending = rest.length > 0 ? [rest] : [];
          pendingBytes = rest.length;
        }
      };
      for await (const piece of body) {
        const buf = typeof piece === 'string' ? Buffer.from(piece) : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
        size += buf.length;
        if (size > a.maxFileBytes) throw new AttachmentTooLarge('file', a.maxFileBytes);
        hash.update(buf);
        if (head.length < SNIFF_BYTES) head = Buffer.concat([head, buf.subarray(0, SNIFF_BYTES - head.length)]);
        pending.push(buf);
        pendingBytes += buf.length;
        await flush(false);
      }
      await flush(true);
      // One upload at a time per request decides against the request's limit.
      await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`attachments:${a.requestId}`]);
      const used = Number((await trx('attachments').where({ request_id: a.requestId }).whereNot({ id }).sum<{ total: string | null }>('size as total').first())?.total ?? 0);
      if (used + size > a.maxRequestBytes) throw new AttachmentTooLarge('request', a.maxRequestBytes);
      const [row] = await rowsOf<AttachmentRow[]>(trx('attachments')
        .where({ id })
        .update({ size, sha256: hash.digest('hex'), content_type: sniff(head) })
        .returning(COLUMNS));
      return { attachment: toAttachment(row!), created: true };
    });
  } catch (err) {
    // The same key stored by a parallel upload a moment ago: that one is the answer.
    if ((err as { code?: string }).code === '23505') {
      const first = await attachmentByKey(db, a.idempotencyKey);
      if (first) return { attachment: first, created: false };
    }
    throw err;
  }
}

/** The request's attachments a person may see: a client those on the request itself and on public messages still standing. */
export async function attachmentsOf(db: Db, requestId: string, q: { publicOnly: boolean; messageId?: string }): Promise<Attachment[]> {
  let query = db('attachments').leftJoin('messages', 'messages.id', 'attachments.message_id').where('attachments.request_id', requestId).orderBy('attachments.created_at').select(COLUMNS).limit(1000);
  if (q.messageId) query = query.where('attachments.message_id', q.messageId);
  if (q.publicOnly) query = query.where((w) => w.whereNull('attachments.message_id').orWhere((m) => m.where('messages.internal', false).whereNull('messages.deleted_at')));
  return (await rowsOf<AttachmentRow[]>(query)).map(toAttachment);
}

/** One attachment under the same rule. */
export async function visibleAttachment(db: Db, requestId: string, id: string, publicOnly: boolean): Promise<Attachment | undefined> {
  let query = db('attachments').leftJoin('messages', 'messages.id', 'attachments.message_id').where({ 'attachments.request_id': requestId, 'attachments.id': id });
  if (publicOnly) query = query.where((w) => w.whereNull('attachments.message_id').orWhere((m) => m.where('messages.internal', false).whereNull('messages.deleted_at')));
  const row = await rowsOf<AttachmentRow | undefined>(query.first(COLUMNS));
  return row ? toAttachment(row) : undefined;
}

/** The file's bytes, chunk by chunk, read one chunk at a time. */
export async function* attachmentBytes(db: Db, id: string): AsyncGenerator<Buffer> {
  for (let no = 0; ; no++) {
    const row = await db('attachment_chunks').where({ attachment_id: id, no }).first<{ data: Buffer } | undefined>('data');
    if (!row) return;
    yield row.data;
  }
}
