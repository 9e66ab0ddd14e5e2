// The conversation of a request (public replies, internal notes) and its attachments. Messages and
// files live in PostgreSQL only; what matters to the process reaches the workflow as a Signal: a
// public reply (the client's answers what was asked and restarts the SLA clock, R13, R21). Time a
// message took is logged through the workflow like any time (R2, R22). Internal notes never reach
// the workflow, so they are in no timeline, notification, webhook or client response.
import { createHash, randomUUID } from 'node:crypto';
import type { Router, Request, Response } from 'express';
import { COMMAND_ROLES, type Actor } from '../../domain';
import { isActiveContent } from '../../domain/sniff';
import type { Db } from '../../db/knex';
import { AttachmentTooLarge, attachmentByKey, attachmentBytes, attachmentsOf, requestAttachmentBytes, storeAttachment, visibleAttachment, type Attachment } from '../../stores/attachments';
import { deleteMessage, editMessage, messageByKey, messageOf, messagePage, messageRevisions, postMessage, type Message } from '../../stores/messages';
import { actorOf } from '../auth';
import { idempotencyKeyOf, sha256 } from '../idempotency';
import { excerptOf } from '../../shared/text';
import { badRequest, conflict, forbidden, HttpError, notFound, unprocessable } from '../errors';
import { deleteMessageBody, editMessageBody, pageQuery, postMessageBody, uploadQuery, uuidParam } from '../schemas';
import type { RequestAccess } from './requests';


export interface AttachmentLimits {
  /** Bytes one file may have. */
  maxFileBytes: number;
  /** Bytes all of one request's files may have together. */
  maxRequestBytes: number;
}

export const DEFAULT_ATTACHMENT_LIMITS: AttachmentLimits = { maxFileBytes: 10 * 1024 * 1024, maxRequestBytes: 100 * 1024 * 1024 };

const isStaff = (a: Actor) => a.role === 'manager' || a.role === 'head' || a.role === 'specialist';

/** What a person sees of a message: everything, to staff; a client never sees an internal note (they are filtered before). */
function messageView(m: Message, attachments: Attachment[]) {
  return { ...m, attachments: attachments.filter((a) => a.messageId === m.id).map(attachmentView) };
}

function attachmentView(a: Attachment) {
  return { id: a.id, messageId: a.messageId, filename: a.filename, contentType: a.contentType, size: a.size, sha256: a.sha256, uploadedBy: a.uploadedBy, createdAt: a.createdAt };
}

/** `attachment; filename="…"` with an ASCII fallback and the exact name in RFC 5987 form. */
export function contentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const exact = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${exact}`;
}



export function mountConversation(router: Router, { db, visibleRequest, check, signal, update, limits = DEFAULT_ATTACHMENT_LIMITS }: RequestAccess & { db: Db; limits?: AttachmentLimits }): void {
  const messageParam = (req: Request) => {
    const id = uuidParam.safeParse(req.params.messageId);
    if (!id.success) throw badRequest('not a message id');
    return id.data;
  };

  /** The message as this person may see it, else 404 (a client asking for an internal note learns nothing). */
  async function visibleMessage(req: Request, requestId: string): Promise<Message> {
    const actor = actorOf(req);
    const m = await messageOf(db, requestId, messageParam(req));
    if (!m || (actor.role === 'client' && (m.internal || m.deleted))) throw notFound('no such message');
    return m;
  }

  router.post('/requests/:id/messages', async (req, res) => {
    const actor = actorOf(req);
    const row = await visibleRequest(req);
    const b = postMessageBody.parse(req.body ?? {});
    if (b.internal && actor.role === 'client') throw forbidden('internal notes are for staff; a client writes public replies');
    if (b.minutes !== undefined && !COMMAND_ROLES.logTime.includes(actor.role)) throw forbidden('only staff log time');
    const key = idempotencyKeyOf(req);
    const digest = sha256(`${actor.id}:${key ?? randomUUID()}`).slice(0, 40);
    const excerpt = excerptOf(b.body);
    const fresh = {
      requestId: row.id,
      clientId: row.client_id,
      authorId: actor.id,
      authorRole: actor.role,
      internal: b.internal,
      body: b.body,
      minutes: b.minutes,
      category: b.minutes !== undefined ? (b.category ?? 'communication') : undefined,
      idempotencyKey: digest,
    };
    /** The workflow hears of a public message once (its key is the message's). */
    const tell = async (m: Message) => {
      if (m.internal) return;
      try {
        await signal(row, { actor, command: { type: 'reply', messageId: m.id, excerpt } }, `msg:${m.id}`);
      } catch (err) {
        // The request ended between the check and the signal: the message stands, the workflow takes no more.
        if (!(err instanceof HttpError && err.status === 409)) throw err;
      }
    };
    const earlier = key !== undefined ? await messageByKey(db, digest) : undefined;
    if (!earlier) {
      // Refused before anything is stored: a closed request takes no more replies; a specialist not on it none at all.
      if (!b.internal) await check(row, actor, { type: 'reply', messageId: '-', excerpt });
      if (b.minutes !== undefined) {
        // R2, R22: the time goes through the workflow like any time, with the same billability rules.
        const note = `Message: ${excerpt.slice(0, 200)}`;
        await update(row, actor, { type: 'logTime', minutes: b.minutes, category: b.category ?? 'communication', note, ...(b.taskId ? { taskId: b.taskId } : {}) }, `${digest}:time`);
      }
    }
    // A retry under the same key is the same message: answered, never posted twice.
    const posted = await postMessage(db, fresh);
    if (!posted.sameBody) throw unprocessable('this Idempotency-Key was already used with a different message');
    await tell(posted.message);
    res
      .status(posted.created ? 201 : 200)
      .location(`/requests/${row.key ?? row.id}/messages/${posted.message.id}`)
      .set(posted.created ? {} : { 'Idempotent-Replayed': 'true' })
      .json(messageView(posted.message, []));
  });

  router.get('/requests/:id/messages', async (req, res) => {
    const actor = actorOf(req);
    const row = await visibleRequest(req);
    const q = pageQuery.parse(req.query);
    const page = await messagePage(db, row.id, { after: q.after, limit: q.limit, publicOnly: actor.role === 'client' });
    const files = page.items.length > 0 ? await attachmentsOf(db, row.id, { publicOnly: actor.role === 'client' }) : [];
    res.json({ requestId: row.id, items: page.items.map((m) => messageView(m, files)), nextAfter: page.next });
  });

  router.get('/requests/:id/messages/:messageId', async (req, res) => {
    const row = await visibleRequest(req);
    const m = await visibleMessage(req, row.id);
    res.json(messageView(m, await attachmentsOf(db, row.id, { publicOnly: actorOf(req).role === 'client', messageId: m.id })));
  });

  /** Only its author edits a message; the text it replaces stays in the audit trail. */
  router.patch('/requests/:id/messages/:messageId', async (req, res) => {
    const actor = actorOf(req);
    const row = await visibleRequest(req);
    const m = await visibleMessage(req, row.id);
    const b = editMessageBody.parse(req.body ?? {});
    if (m.author.id !== actor.id) throw forbidden('only the author edits a message');
    if (m.deleted) throw conflict('the message was deleted');
    const edited = await editMessage(db, row.id, m.id, b.body, actor.id);
    if (!edited) throw conflict('the message was deleted');
    res.json(messageView(edited, await attachmentsOf(db, row.id, { publicOnly: actor.role === 'client', messageId: m.id })));
  });

  /** Staff delete softly, with a reason: the text stays in the database, hidden from everyone. */
  router.delete('/requests/:id/messages/:messageId', async (req, res) => {
    const actor = actorOf(req);
    if (!isStaff(actor)) throw forbidden('only staff delete messages');
    const row = await visibleRequest(req);
    const m = await visibleMessage(req, row.id);
    const b = deleteMessageBody.parse(req.body ?? {});
    if (actor.role === 'specialist' && m.author.id !== actor.id) throw forbidden("a specialist deletes only their own messages; the manager deletes others'");
    const deleted = await deleteMessage(db, row.id, m.id, actor.id, b.reason);
    if (!deleted) throw conflict('the message was deleted already');
    res.json(messageView(deleted, []));
  });

  router.get('/requests/:id/messages/:messageId/revisions', async (req, res) => {
    const actor = actorOf(req);
    if (!isStaff(actor)) throw forbidden('the edit history is for staff');
    const row = await visibleRequest(req);
    const m = await visibleMessage(req, row.id);
    res.json({ messageId: m.id, revision: m.revision, items: await messageRevisions(db, m.id) });
  });

  /**
   * A file, streamed into PostgreSQL: the body is the bytes (any Content-Type; it is recorded, not
   * trusted), `filename` names it, `messageId` attaches it to one of the uploader's messages.
   */
  router.post('/requests/:id/attachments', async (req, res) => {
    const actor = actorOf(req);
    const row = await visibleRequest(req);
    const q = uploadQuery.parse(req.query);
    if (q.messageId) {
      const m = await messageOf(db, row.id, q.messageId);
      if (!m || (actor.role === 'client' && m.internal)) throw notFound('no such message');
      if (m.author.id !== actor.id) throw forbidden('files go on your own messages (or on the request)');
      if (m.deleted) throw conflict('the message was deleted');
    }
    const tooLarge = (e: AttachmentTooLarge) => new HttpError(413, 'Content Too Large', e.message, { limit: e.limit, maxBytes: e.maxBytes });
    const declared = Number(req.get('content-length') ?? NaN);
    // Refused before a byte is read when the length says so.
    if (Number.isFinite(declared) && declared > limits.maxFileBytes) throw tooLarge(new AttachmentTooLarge('file', limits.maxFileBytes));
    if (Number.isFinite(declared) && (await requestAttachmentBytes(db, row.id)) + declared > limits.maxRequestBytes) {
      throw tooLarge(new AttachmentTooLarge('request', limits.maxRequestBytes));
    }
    const key = idempotencyKeyOf(req);
    const digest = sha256(`${actor.id}:${key ?? randomUUID()}`).slice(0, 40);
    const earlier = key !== undefined ? await attachmentByKey(db, digest) : undefined;
    if (earlier) {
      // The same key again: the bytes must be the same file; nothing is stored twice.
      const hash = createHash('sha256');
      for await (const piece of req) hash.update(piece as Buffer);
      if (hash.digest('hex') !== earlier.sha256 || earlier.requestId !== row.id) throw unprocessable('this Idempotency-Key was already used with a different file');
      res.status(200).set('Idempotent-Replayed', 'true').location(`/requests/${row.key ?? row.id}/attachments/${earlier.id}`).json(attachmentView(earlier));
      return;
    }
    try {
      const { attachment, created } = await storeAttachment(
        db,
        {
          requestId: row.id,
          messageId: q.messageId,
          filename: q.filename,
          declaredType: req.get('content-type')?.slice(0, 200),
          uploadedBy: actor.id,
          uploaderRole: actor.role,
          idempotencyKey: digest,
          ...limits,
        },
        req,
      );
      res
        .status(created ? 201 : 200)
        .set(created ? {} : { 'Idempotent-Replayed': 'true' })
        .location(`/requests/${row.key ?? row.id}/attachments/${attachment.id}`)
        .json(attachmentView(attachment));
    } catch (err) {
      if (err instanceof AttachmentTooLarge) {
        // Stop reading what is left of an oversized body.
        res.set('Connection', 'close');
        throw tooLarge(err);
      }
      throw err;
    }
  });

  router.get('/requests/:id/attachments', async (req, res) => {
    const row = await visibleRequest(req);
    const files = await attachmentsOf(db, row.id, { publicOnly: actorOf(req).role === 'client' });
    res.json({ requestId: row.id, items: files.map(attachmentView) });
  });

  /** The bytes, streamed: always a download (never shown inline), typed as what they are. */
  router.get('/requests/:id/attachments/:attachmentId', async (req, res: Response) => {
    const row = await visibleRequest(req);
    const id = uuidParam.safeParse(req.params.attachmentId);
    if (!id.success) throw badRequest('not an attachment id');
    const a = await visibleAttachment(db, row.id, id.data, actorOf(req).role === 'client');
    if (!a) throw notFound('no such attachment');
    res.status(200).set({
      'Content-Type': a.contentType.startsWith('text/') || isActiveContent(a.contentType) ? `${a.contentType}; charset=utf-8` : a.contentType,
      'Content-Length': String(a.size),
      'Content-Disposition': contentDisposition(a.filename),
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'Cache-Control': 'private, no-store',
      ETag: `"${a.sha256}"`,
      'Digest': `sha-256=${Buffer.from(a.sha256, 'hex').toString('base64')}`,
    });
    for await (const chunk of attachmentBytes(db, a.id)) {
      if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
    }
    res.end();
  });
}
