// The mail channel's I/O (#17): the support mailbox read over IMAP, mails sent over SMTP. Every
// step is idempotent: a mail is stored once by its Message-ID before it is flagged on the server,
// filed or answered under keys derived from that Message-ID, and each notification is mailed
// once per address (the row is claimed with its Message-ID before the mail server is asked).
import { filingTerms } from '../stores/intake';
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Client } from '@temporalio/client';
import { ImapFlow } from 'imapflow';
import { simpleParser, type ParsedMail } from 'mailparser';
import nodemailer from 'nodemailer';
import type { Db } from '../db/knex';
import { cleanBody, cleanSubject, composeDigest, composeNotice, keyInSubject, LOOP_HEADER, localHourAndDay, machineWritten, messageIdsIn, notificationMessageId, replyText, requestOfReferences, requestThreadId, senderAuthentication, type OutboundItem } from '../domain/mail';
import type { Actor, RequestContext } from '../domain';
import { AttachmentTooLarge, storeAttachment } from '../stores/attachments';
import { postMessage } from '../stores/messages';
import { fileRequest } from '../stores/request-keys';
import { visibleRequest, type RequestRef } from '../stores/requests';
import {
  beginDigest,
  claimOutbound,
  contactByAddress,
  inboundAttemptFailed,
  isStaffAddress,
  digestItems,
  digestPeople,
  digestSent,
  outboundByIds,
  outboundFailed,
  outboundSent,
  pendingInstant,
  planMail,
  requestOfSentMail,
  settleInbound,
  storeInbound,
  unprocessedInbound,
  type InboundRow,
  type OutboundMail,
} from '../stores/mail';
import { actionSignals, appliedKeyQuery, requestWorkflowId, stateQuery, TASK_QUEUE } from '../shared/contract';
import { check, isTerminal } from '../domain';
import { startRequestWorkflow } from '../temporal/file-request';
import { excerptOf } from '../shared/text';

export interface MailConfig {
  /** The support mailbox; unset: no mail is read. */
  imap?: { host: string; port: number; secure: boolean; user: string; password: string; mailbox: string } | undefined;
  /** The mail server mails go out through; unset: none is sent. */
  smtp?: { host: string; port: number; secure: boolean; user?: string | undefined; password?: string | undefined } | undefined;
  /** The support address: mails come from it, replies go to it. */
  from: string;
  /** The web app's address, for links in mails (`https://desk.example.com`). */
  publicUrl: string;
  /** A mail larger than this is quarantined unread. */
  maxMessageBytes: number;
  /** One attached file larger than this is left out (with the reason in the message). */
  maxFileBytes: number;
  /** Quarantine a mail whose sender the receiving server did not authenticate (no SPF, DKIM or DMARC pass). */
  requireSenderAuth?: boolean | undefined;
  /** Trust only `Authentication-Results` headers of this server (its authserv-id, e.g. mx.example.com). */
  authservId?: string | undefined;
}

/** The keyword a mail carries on the server once it is stored (it is also marked seen). */
export const STORED_KEYWORD = '$DeskStored';

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const domainOf = (address: string) => address.split('@')[1]?.toLowerCase() || 'localhost';

export interface MailDeps {
  db: Db;
  temporal?: Client | undefined;
  mail: MailConfig;
  taskQueue?: string | undefined;
  /** Tests only: a fixed policy for requests filed by mail, as the API's override. */
  policyOverride?: RequestContext | undefined;
}

function imapClient(mail: MailConfig): ImapFlow {
  const c = mail.imap!;
  return new ImapFlow({ host: c.host, port: c.port, secure: c.secure, auth: { user: c.user, pass: c.password }, logger: false, disableAutoIdle: true });
}

/**
 * Reads the mailbox: each mail not yet stored is stored (once: its Message-ID is unique), and
 * only then flagged on the server. A crash between the two leaves the mail unflagged: the next
 * read stores nothing new and flags it. `afterStore` lets a test cut a run short right there.
 */
export async function readMailbox(deps: MailDeps, opts: { limit?: number; afterStore?: (messageId: string) => void | Promise<void> } = {}): Promise<{ stored: number; seen: number }> {
  const { db, mail } = deps;
  if (!mail.imap) return { stored: 0, seen: 0 };
  const client = imapClient(mail);
  await client.connect();
  let stored = 0;
  let seen = 0;
  try {
    const lock = await client.getMailboxLock(mail.imap.mailbox);
    try {
      const uids = (await client.search({ unKeyword: STORED_KEYWORD, deleted: false }, { uid: true })) || [];
      for (const uid of uids.slice(0, opts.limit ?? 50)) {
        seen++;
        const meta = await client.fetchOne(String(uid), { envelope: true, size: true, headers: true }, { uid: true });
        if (!meta) continue;
        const size = meta.size ?? 0;
        const headers = meta.headers ?? Buffer.alloc(0);
        const from = meta.envelope?.from?.[0]?.address?.toLowerCase() ?? null;
        const subject = cleanSubject(meta.envelope?.subject ?? '').title;
        let result: { created: boolean };
        if (size > mail.maxMessageBytes) {
          // Too large to read: only its headers are kept, for the manager who reviews it.
          const messageId = meta.envelope?.messageId?.trim() || `<${sha(headers)}@no-message-id>`;
          result = await storeInbound(db, { id: randomUUID(), messageId, from, subject, size, raw: headers, status: 'quarantined', reason: `too large: ${(size / 1024 / 1024).toFixed(1)} MB (the limit is ${Math.round(mail.maxMessageBytes / 1024 / 1024)} MB)` });
        } else {
          const got = await client.fetchOne(String(uid), { source: true }, { uid: true });
          const raw = got && got.source ? got.source : Buffer.alloc(0);
          const messageId = meta.envelope?.messageId?.trim() || `<${sha(raw)}@no-message-id>`;
          result = await storeInbound(db, { id: randomUUID(), messageId, from, subject, size: raw.length, raw });
        }
        if (result.created) stored++;
        await opts.afterStore?.(String(uid));
        await client.messageFlagsAdd(String(uid), ['\\Seen', STORED_KEYWORD], { uid: true });
      }
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => undefined);
  }
  return { stored, seen };
}

const lowerHeaders = (parsed: ParsedMail): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const { key, line } of parsed.headerLines ?? []) {
    const value = line.slice(line.indexOf(':') + 1).trim();
    out[key.toLowerCase()] = out[key.toLowerCase()] ? `${out[key.toLowerCase()]} ${value}` : value;
  }
  return out;
};

/** Tries at filing one mail before it goes to the quarantine (each try is idempotent). */
const MAIL_TRIES = 5;

/**
 * Files, answers or quarantines the mails stored and not yet processed. A mail that cannot be
 * filed now (Temporal or PostgreSQL away) is tried again on the next run, and one that keeps
 * failing goes to the quarantine with the error: it never holds up the mails behind it.
 */
export async function processInbound(deps: MailDeps, limit = 50): Promise<{ filed: number; replied: number; quarantined: number }> {
  const counts = { filed: 0, replied: 0, quarantined: 0 };
  let firstError: Error | undefined;
  for (const row of await unprocessedInbound(deps.db, limit)) {
    let outcome: Outcome;
    try {
      outcome = await processOne(deps, row);
    } catch (err) {
      const message = String((err as Error)?.message ?? err);
      const tries = await inboundAttemptFailed(deps.db, row.id, message);
      if (tries < MAIL_TRIES) {
        firstError ??= err instanceof Error ? err : new Error(message);
        continue;
      }
      outcome = { status: 'quarantined', reason: `could not be filed after ${tries} tries: ${message.slice(0, 300)}` };
    }
    await settleInbound(deps.db, row.id, outcome);
    counts[outcome.status === 'filed' ? 'filed' : outcome.status === 'replied' ? 'replied' : 'quarantined']++;
  }
  if (firstError) throw firstError;
  return counts;
}

type Outcome = { status: 'filed' | 'replied' | 'quarantined'; reason?: string | undefined; requestId?: string | undefined; contactId?: string | undefined };

async function processOne(deps: MailDeps, row: InboundRow): Promise<Outcome> {
  const { db, mail } = deps;
  let parsed: ParsedMail;
  try {
    parsed = await simpleParser(row.raw ?? Buffer.alloc(0), { skipHtmlToText: false, maxHtmlLengthToParse: 2_000_000 });
  } catch (err) {
    return { status: 'quarantined', reason: `unreadable MIME: ${String((err as Error).message ?? err).slice(0, 200)}` };
  }
  const headers = lowerHeaders(parsed);
  const fromAddress = parsed.from?.value?.[0]?.address?.toLowerCase();
  if (!fromAddress || !/^[^@\s]+@[^@\s]+$/.test(fromAddress)) return { status: 'quarantined', reason: 'no sender address' };
  const machine = machineWritten({ from: fromAddress, subject: parsed.subject ?? '', headers }, [mail.from]);
  if (machine) return { status: 'quarantined', reason: machine };
  // A forged From of a client's address must not file as that client.
  const results = (parsed.headerLines ?? []).filter((h) => h.key.toLowerCase() === 'authentication-results').map((h) => h.line.slice(h.line.indexOf(':') + 1));
  const auth = senderAuthentication(results, mail.authservId);
  if (auth.verdict === 'fail') return { status: 'quarantined', reason: `the sender failed authentication (${auth.detail ?? 'fail'})` };
  if (auth.verdict === 'none' && mail.requireSenderAuth) return { status: 'quarantined', reason: 'the sender is not authenticated (no SPF, DKIM or DMARC pass)' };
  const contact = await contactByAddress(db, fromAddress);
  if (!contact) {
    if (await isStaffAddress(db, fromAddress)) return { status: 'quarantined', reason: `from the staff address ${fromAddress} (staff answer in the desk)` };
    return { status: 'quarantined', reason: `unknown sender ${fromAddress}` };
  }
  const actor: Actor = { id: contact.id, role: 'client', clientId: contact.clientId };
  const trimmed: string[] = [];
  const subject = cleanSubject(parsed.subject ?? '');
  if (subject.trimmed) trimmed.push(subject.trimmed);

  // A reply: our thread id or one of our mails' Message-IDs in its references, else the key in its subject.
  const refs = [...messageIdsIn(headers['in-reply-to']), ...messageIdsIn(headers['references'])];
  const domain = domainOf(mail.from);
  const byThread = requestOfReferences(refs, domain) ?? (await requestOfSentMail(db, refs));
  const key = keyInSubject(parsed.subject ?? '');
  if (byThread || key) {
    const ref = (byThread ? await visibleRequest(db, actor, { id: byThread }) : undefined) ?? (key ? await visibleRequest(db, actor, { key }) : undefined);
    if (!ref) return { status: 'quarantined', reason: `a reply to a request this sender does not see (${key ?? byThread})`, contactId: contact.id };
    return reply(deps, row, parsed, actor, ref, trimmed);
  }
  return file(deps, row, parsed, actor, subject.title, trimmed);
}

/** The attached files, each at most the per-file limit: larger ones are left out with a reason. */
async function attach(deps: MailDeps, parsed: ParsedMail, actor: Actor, requestId: string, messageId: string | undefined, keyBase: string, trimmed: string[]) {
  let n = 0;
  for (const a of parsed.attachments ?? []) {
    n++;
    const filename = cleanSubject(a.filename ?? `attachment-${n}`).title.slice(0, 200);
    if (a.size > deps.mail.maxFileBytes) {
      trimmed.push(`${filename} left out: ${(a.size / 1024 / 1024).toFixed(1)} MB is over the ${Math.round(deps.mail.maxFileBytes / 1024 / 1024)} MB limit per file`);
      continue;
    }
    try {
      await storeAttachment(
        deps.db,
        { requestId, messageId, filename, declaredType: a.contentType, uploadedBy: actor.id, uploaderRole: 'client', idempotencyKey: sha(`${keyBase}:file:${n}`).slice(0, 40), maxFileBytes: deps.mail.maxFileBytes, maxRequestBytes: Number.MAX_SAFE_INTEGER },
        Readable.from([a.content]),
      );
    } catch (err) {
      if (!(err instanceof AttachmentTooLarge)) throw err;
      trimmed.push(`${filename} left out: ${err.message}`);
    }
  }
}

async function file(deps: MailDeps, row: InboundRow, parsed: ParsedMail, actor: Actor, title: string, trimmed: string[]): Promise<Outcome> {
  if (!deps.temporal) throw new Error('filing a request by mail needs a Temporal client');
  const text = cleanBody(parsed.text ?? '', 10_000);
  if (text.trimmed) trimmed.push(text.trimmed);
  const keyBase = `mail:${sha(row.message_id).slice(0, 32)}`;
  const clientId = actor.clientId!;
  const filed = await fileRequest(deps.db, { personId: actor.id, idempotencyKey: keyBase, bodyHash: sha(row.message_id), clientId, requestId: randomUUID() });
  const terms = await filingTerms(deps.db, clientId);
  await startRequestWorkflow(deps.temporal, deps.db, deps.taskQueue ?? TASK_QUEUE, {
    requestId: filed.requestId,
    ...(filed.key ? { key: filed.key } : {}),
    clientId,
    title,
    description: text.body,
    priority: 'normal',
    createdBy: actor,
    context: deps.policyOverride ?? terms.context,
    intake: terms.intake,
  });
  await attach(deps, parsed, actor, filed.requestId, undefined, keyBase, trimmed);
  return { status: 'filed', requestId: filed.requestId, contactId: actor.id, ...(trimmed.length ? { reason: trimmed.join('; ') } : {}) };
}

async function reply(deps: MailDeps, row: InboundRow, parsed: ParsedMail, actor: Actor, ref: RequestRef, trimmed: string[]): Promise<Outcome> {
  if (!deps.temporal) throw new Error('a reply by mail needs a Temporal client');
  const handle = deps.temporal.workflow.getHandle(requestWorkflowId(ref.key ?? ref.id));
  const state = await handle.query(stateQuery);
  const text = cleanBody(replyText(parsed.text ?? ''), 20_000);
  if (text.trimmed) trimmed.push(text.trimmed);
  const command = { type: 'reply' as const, messageId: '-', excerpt: excerptOf(text.body) };
  if (isTerminal(state.stage)) return { status: 'quarantined', reason: `a reply to ${ref.key ?? ref.id}, which is closed`, requestId: ref.id, contactId: actor.id };
  const refused = check(state, actor, command);
  if (refused) return { status: 'quarantined', reason: `the request refused the reply: ${refused.message}`, requestId: ref.id, contactId: actor.id };
  // The same digest as a reply through the API under an Idempotency-Key: the message and its signal once.
  const digest = sha(`${actor.id}:mail:${row.message_id}`).slice(0, 40);
  const posted = await postMessage(deps.db, { requestId: ref.id, clientId: ref.client_id, authorId: actor.id, authorRole: 'client', internal: false, body: text.body, idempotencyKey: digest });
  await attach(deps, parsed, actor, ref.id, posted.message.id, digest, trimmed);
  const idempotency = { key: digest.slice(0, 20), hash: sha(JSON.stringify({ type: 'reply', messageId: posted.message.id })).slice(0, 20) };
  const seen = await handle.query(appliedKeyQuery, idempotency.key);
  if (!seen) await handle.signal(actionSignals.reply, { actor, command: { ...command, messageId: posted.message.id }, idempotency });
  return { status: 'replied', requestId: ref.id, contactId: actor.id, ...(trimmed.length ? { reason: trimmed.join('; ') } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Mail out

function transport(mail: MailConfig) {
  const c = mail.smtp!;
  return nodemailer.createTransport({ host: c.host, port: c.port, secure: c.secure, ...(c.user ? { auth: { user: c.user, pass: c.password ?? '' } } : {}), connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 });
}

const linkOf = (mail: MailConfig, m: { key: string | null; requestId: string | null }) => (m.requestId ? `${mail.publicUrl.replace(/\/+$/, '')}/app/r/${encodeURIComponent(m.key ?? m.requestId)}` : null);
const itemOf = (mail: MailConfig, m: OutboundMail): OutboundItem => ({ kind: m.kind, text: m.text, key: m.key, title: m.title ?? undefined, link: linkOf(mail, m) });

/** The headers every mail of ours carries: threading by request, and never an auto-reply to it. */
function headersOf(mail: MailConfig, requestId: string | null): Record<string, string> {
  const domain = domainOf(mail.from);
  return {
    'Auto-Submitted': 'auto-generated',
    'X-Auto-Response-Suppress': 'All',
    [LOOP_HEADER]: domain,
    ...(requestId ? { 'In-Reply-To': requestThreadId(requestId, domain), References: requestThreadId(requestId, domain) } : {}),
  };
}

/**
 * Plans the mail of new notifications, then sends the instant ones. Each row is claimed with its
 * Message-ID before the mail server is asked and marked sent once it accepted: a retry skips what
 * was marked; one cut short between the two sends the same Message-ID again, which mail clients
 * show once.
 */
export async function sendPendingMail(deps: MailDeps, limit = 200): Promise<{ planned: number; sent: number; failed: number }> {
  const { db, mail } = deps;
  let planned = 0;
  for (;;) {
    const n = await planMail(db, 200);
    planned += n;
    if (n < 200) break;
  }
  if (!mail.smtp) return { planned, sent: 0, failed: 0 };
  const pending = await pendingInstant(db, limit);
  if (pending.length === 0) return { planned, sent: 0, failed: 0 };
  const smtp = transport(mail);
  let sent = 0;
  let failed = 0;
  try {
    for (const m of pending) {
      const messageId = m.messageId ?? notificationMessageId(m.notificationId, m.address, domainOf(mail.from), sha);
      if (!(await claimOutbound(db, m.id, messageId))) continue;
      const composed = composeNotice(itemOf(mail, m), m.language, m.requestId !== null && m.recipientRole === 'client');
      try {
        const info = await smtp.sendMail({ from: mail.from, to: m.address, replyTo: mail.from, subject: composed.subject, text: composed.text, html: composed.html, messageId, headers: headersOf(mail, m.requestId) });
        await outboundSent(db, m.id, String(info.response ?? 'accepted'));
        sent++;
      } catch (err) {
        const e = err as { responseCode?: number; message?: string };
        // A permanent refusal (5xx) for this address is final; anything else is tried again on the next run.
        await outboundFailed(db, m.id, String(e.message ?? err), typeof e.responseCode === 'number' && e.responseCode >= 500);
        failed++;
        // No answer from the mail server at all: the rest waits for the next run.
        if (typeof e.responseCode !== 'number') break;
      }
    }
  } finally {
    smtp.close();
  }
  return { planned, sent, failed };
}

/**
 * At each person's digest hour (in their time zone), their waiting notifications go as one mail:
 * once per person and local day, whatever the retries.
 */
export async function sendDigests(deps: MailDeps, at: Date): Promise<{ digests: number }> {
  const { db, mail } = deps;
  await planMail(db, 200);
  if (!mail.smtp) return { digests: 0 };
  let digests = 0;
  const due = (await digestPeople(db)).map((p) => ({ ...p, local: localHourAndDay(at, p.timeZone) })).filter((p) => p.local.hour === p.digestHour);
  if (due.length === 0) return { digests };
  const smtp = transport(mail);
  try {
    for (const p of due) {
      const key = `${p.personId}:${p.address.toLowerCase()}:${p.local.day}`;
      const items = await digestItems(db, p.personId, p.address);
      const begun = await beginDigest(db, { key, personId: p.personId, messageId: `<digest-${sha(key).slice(0, 24)}@${domainOf(mail.from)}>`, itemIds: items.map((i) => i.id) });
      if (begun.status !== 'sending' || begun.itemIds.length === 0) continue;
      const rows = await outboundByIds(db, begun.itemIds);
      const composed = composeDigest(rows.map((r) => itemOf(mail, r)), p.language);
      const info = await smtp.sendMail({ from: mail.from, to: p.address, subject: composed.subject, text: composed.text, html: composed.html, messageId: begun.messageId, headers: headersOf(mail, null) });
      await digestSent(db, key, String(info.response ?? 'accepted'));
      digests++;
    }
  } finally {
    smtp.close();
  }
  return { digests };
}

export function createMailActivities(deps: MailDeps) {
  return {
    /** Reads the support mailbox and files, answers or quarantines what it stored. */
    async readMail(): Promise<{ stored: number; filed: number; replied: number; quarantined: number }> {
      // What was stored before is filed even while the mailbox does not answer.
      let failure: Error | undefined;
      const read = await readMailbox(deps).catch((err: unknown) => {
        failure = err instanceof Error ? err : new Error(String(err));
        return { stored: 0 };
      });
      const processed = await processInbound(deps);
      if (failure) throw failure;
      return { stored: read.stored, ...processed };
    },
    async sendMail(): Promise<{ planned: number; sent: number; failed: number }> {
      return sendPendingMail(deps);
    },
    async sendMailDigests({ at }: { at: string }): Promise<{ digests: number }> {
      return sendDigests(deps, new Date(at));
    },
  };
}
