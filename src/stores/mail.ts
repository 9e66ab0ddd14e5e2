// The mail channel's tables: mails read from the support mailbox (each once by Message-ID), the
// mails planned and sent for notifications (each once per notification and address), digests
// (once per person and local day), and each person's mail settings.
import type { Knex } from 'knex';
import type { Db } from '../db/knex';
import { rowsOf } from '../db/knex';
import { DEFAULT_MAIL_MODE, MAIL_KINDS, MAIL_MODES, type MailLanguage, type MailMode } from '../domain/mail';
import type { Actor, Role } from '../domain';
import { tableOf } from './preferences';

// ---------------------------------------------------------------------------------------------
// Mail in

export interface InboundRow {
  id: string;
  message_id: string;
  from_address: string | null;
  subject: string;
  size: number;
  status: string;
  reason: string | null;
  request_id: string | null;
  raw: Buffer | null;
  received_at: Date;
}

/** Stores a mail once by its Message-ID; `created` is false when it was stored before (a retry, or a crash before flagging). */
export async function storeInbound(db: Db, m: { id: string; messageId: string; from: string | null; subject: string; size: number; raw: Buffer | null; status?: 'stored' | 'quarantined'; reason?: string }): Promise<{ created: boolean }> {
  const inserted = await db('mail_inbound')
    .insert({ id: m.id, message_id: m.messageId, from_address: m.from, subject: m.subject, size: m.size, raw: m.raw, status: m.status ?? 'stored', reason: m.reason ?? null, ...(m.status === 'quarantined' ? { processed_at: db.fn.now() } : {}) })
    .onConflict('message_id')
    .ignore()
    .returning('id');
  return { created: inserted.length > 0 };
}

/** Mails stored and not yet filed, replied or quarantined, oldest first. */
export async function unprocessedInbound(db: Db, limit: number): Promise<InboundRow[]> {
  return rowsOf<InboundRow[]>(db('mail_inbound').where({ status: 'stored' }).orderBy('received_at').limit(limit));
}

/** What became of a mail; the raw bytes are dropped unless it waits for a person's review. */
export async function settleInbound(db: Db, id: string, outcome: { status: 'filed' | 'replied' | 'quarantined'; reason?: string | undefined; requestId?: string | undefined; contactId?: string | undefined }): Promise<void> {
  await db('mail_inbound')
    .where({ id, status: 'stored' })
    .update({
      status: outcome.status,
      reason: outcome.reason ?? null,
      request_id: outcome.requestId ?? null,
      contact_id: outcome.contactId ?? null,
      processed_at: db.fn.now(),
      ...(outcome.status === 'quarantined' ? {} : { raw: null }),
    });
}

/** A try at filing a mail failed: answers how many tries it has had. */
export async function inboundAttemptFailed(db: Db, id: string, error: string): Promise<number> {
  const rows = await db('mail_inbound').where({ id, status: 'stored' }).update({ attempts: db.raw('attempts + 1'), reason: error.slice(0, 500) }).returning('attempts');
  return Number((rows[0] as { attempts: number } | undefined)?.attempts ?? 0);
}

/** Whether a person of the staff writes from this address. */
export async function isStaffAddress(db: Db, address: string): Promise<boolean> {
  return (await db('staff').whereRaw('lower(email) = lower(?)', [address]).first('id')) !== undefined;
}

export interface MailContact {
  id: string;
  clientId: string;
  name: string;
  language: MailLanguage | null;
}

/** The client contact who writes from this address, if any (addresses compare case-insensitively). */
export async function contactByAddress(db: Db, address: string): Promise<MailContact | undefined> {
  const row = await db('client_contacts').whereRaw('lower(email) = lower(?)', [address]).first<{ id: string; client_id: string; name: string; language: MailLanguage | null } | undefined>('id', 'client_id', 'name', 'language');
  return row ? { id: row.id, clientId: row.client_id, name: row.name, language: row.language } : undefined;
}

/** The request a mail of ours with one of these Message-IDs was about. */
export async function requestOfSentMail(db: Db, messageIds: string[]): Promise<string | undefined> {
  if (messageIds.length === 0) return undefined;
  const row = await db('mail_outbound').whereIn('message_id', messageIds).whereNotNull('request_id').first<{ request_id: string } | undefined>('request_id');
  return row?.request_id;
}

export interface QuarantinedMail {
  id: string;
  messageId: string;
  from: string | null;
  subject: string;
  size: number;
  reason: string | null;
  status: string;
  receivedAt: string;
  reviewedAt: string | null;
  reviewedBy: string | null;
}

/** Quarantined mails for managers to review, newest first; `all` includes the ones dismissed. */
export async function quarantinedMail(db: Db, q: { limit: number; all: boolean }): Promise<QuarantinedMail[]> {
  let query = db('mail_inbound').orderBy('received_at', 'desc').limit(q.limit);
  query = q.all ? query.whereIn('status', ['quarantined', 'dismissed']) : query.where('status', 'quarantined');
  const rows = await rowsOf<(Omit<InboundRow, 'raw'> & { reviewed_at: Date | null; reviewed_by: string | null })[]>(
    query.select('id', 'message_id', 'from_address', 'subject', 'size', 'reason', 'status', 'received_at', 'reviewed_at', 'reviewed_by'),
  );
  return rows.map((r) => ({ id: r.id, messageId: r.message_id, from: r.from_address, subject: r.subject, size: r.size, reason: r.reason, status: r.status, receivedAt: r.received_at.toISOString(), reviewedAt: r.reviewed_at?.toISOString() ?? null, reviewedBy: r.reviewed_by }));
}

/** The raw bytes of a quarantined mail (a manager downloads it to look). */
export async function quarantinedRaw(db: Db, id: string): Promise<Buffer | undefined> {
  const row = await db('mail_inbound').where({ id }).whereIn('status', ['quarantined', 'dismissed']).first<{ raw: Buffer | null } | undefined>('raw');
  return row?.raw ?? undefined;
}

/** A manager dismisses a quarantined mail; false when there is no such quarantined mail. */
export async function dismissQuarantined(db: Db, id: string, by: string): Promise<boolean> {
  return (await db('mail_inbound').where({ id, status: 'quarantined' }).update({ status: 'dismissed', reviewed_at: db.fn.now(), reviewed_by: by, raw: null })) > 0;
}

// ---------------------------------------------------------------------------------------------
// Mail out

interface Recipient {
  id: string;
  email: string;
  table: 'staff' | 'client_contacts';
}

/**
 * Plans the mail of notifications not yet planned (oldest first): one row per recipient who wants
 * it by mail, instant or for the digest. Once per notification: the planning and its mark are one
 * transaction, and rows are unique per notification and address.
 */
export async function planMail(db: Db, limit: number): Promise<number> {
  return db.transaction(async (trx) => {
    const notes = await rowsOf<{ id: string; request_id: string | null; client_id: string | null; recipient_role: Role; recipient_id: string | null; kind: string }[]>(
      trx('notifications').whereNull('mail_planned_at').orderBy('created_at').limit(limit).forUpdate().skipLocked().select('id', 'request_id', 'client_id', 'recipient_role', 'recipient_id', 'kind'),
    );
    if (notes.length === 0) return 0;
    const rows: object[] = [];
    for (const n of notes) {
      let people: Recipient[];
      if (n.recipient_role === 'client') {
        const q = trx('client_contacts').select('id', 'email');
        people = (await (n.recipient_id ? q.where({ id: n.recipient_id }) : q.where({ client_id: n.client_id ?? '' }))).map((p: Recipient) => ({ ...p, table: 'client_contacts' as const }));
      } else {
        const q = trx('staff').select('id', 'email').where({ active: true });
        people = (await (n.recipient_id ? q.where({ id: n.recipient_id }) : q.where({ role: n.recipient_role }))).map((p: Recipient) => ({ ...p, table: 'staff' as const }));
      }
      if (people.length === 0) continue;
      const prefs = await rowsOf<{ person_id: string; kind: string; mode: MailMode }[]>(trx('mail_preferences').whereIn('person_id', people.map((p) => p.id)).whereIn('kind', [n.kind, '*']));
      for (const p of people) {
        const mine = prefs.filter((x) => x.person_id === p.id);
        const mode = mine.find((x) => x.kind === n.kind)?.mode ?? mine.find((x) => x.kind === '*')?.mode ?? DEFAULT_MAIL_MODE;
        if (mode === 'none') continue;
        rows.push({ notification_id: n.id, person_id: p.id, address: p.email, mode, request_id: n.request_id });
      }
    }
    if (rows.length > 0) await trx('mail_outbound').insert(rows).onConflict(['notification_id', 'address']).ignore();
    await trx('notifications').whereIn('id', notes.map((n) => n.id)).update({ mail_planned_at: trx.fn.now() });
    return notes.length;
  });
}

export interface OutboundMail {
  id: string;
  notificationId: string;
  personId: string;
  address: string;
  kind: string;
  text: string;
  requestId: string | null;
  key: string | null;
  title: string | null;
  language: MailLanguage;
  recipientRole: Role;
  messageId: string | null;
  createdAt: Date;
}

const outboundSelect = (db: Db) =>
  db('mail_outbound as o')
    .join('notifications as n', 'n.id', 'o.notification_id')
    .leftJoin('request_keys as k', 'k.request_id', 'o.request_id')
    .leftJoin('requests as r', 'r.id', 'o.request_id')
    .leftJoin('staff as s', 's.id', 'o.person_id')
    .leftJoin('client_contacts as c', 'c.id', 'o.person_id')
    .select(
      'o.id',
      'o.notification_id',
      'o.person_id',
      'o.address',
      'o.message_id',
      'o.created_at',
      'o.request_id',
      'n.kind',
      'n.text',
      'n.recipient_role',
      'k.key',
      'r.title',
      db.raw("coalesce(s.language, c.language, 'en') as language"),
    );

type OutboundRaw = { id: string; notification_id: string; person_id: string; address: string; message_id: string | null; created_at: Date; request_id: string | null; kind: string; text: string; recipient_role: Role; key: string | null; title: string | null; language: MailLanguage };

const toOutbound = (r: OutboundRaw): OutboundMail => ({
  id: String(r.id),
  notificationId: r.notification_id,
  personId: r.person_id,
  address: r.address,
  kind: r.kind,
  text: r.text,
  requestId: r.request_id,
  key: r.key,
  title: r.title,
  language: r.language,
  recipientRole: r.recipient_role,
  messageId: r.message_id,
  createdAt: r.created_at,
});

/** How long a sender holds a mail it is sending: another takes it over only after (the first died). */
const LEASE = "interval '2 minutes'";

/** A mail a sender may take: waiting, or held by a sender whose lease has run out. */
const claimable = (db: Db, prefix = '') => (q: Knex.QueryBuilder) =>
  q.where(`${prefix}status`, 'pending').orWhere((b) => b.where(`${prefix}status`, 'sending').where(`${prefix}lease_until`, '<', db.fn.now()));

/** Instant mails not yet accepted by the mail server, oldest first (a `sending` one was cut short: it is sent again with its Message-ID). */
export async function pendingInstant(db: Db, limit: number): Promise<OutboundMail[]> {
  const rows = await rowsOf<OutboundRaw[]>(
    outboundSelect(db)
      .where('o.mode', 'instant')
      .where(claimable(db, 'o.'))
      .where('o.attempts', '<', 10)
      .orderBy('o.id')
      .limit(limit),
  );
  return rows.map(toOutbound);
}


/**
 * Takes a mail to send it with this Message-ID: false when it was sent, or another sender holds
 * it now. A sender that died mid-way is taken over when its lease ends.
 */
export async function claimOutbound(db: Db, id: string, messageId: string): Promise<boolean> {
  const n = await db('mail_outbound')
    .where({ id })
    .where(claimable(db))
    .update({ status: 'sending', message_id: messageId, attempts: db.raw('attempts + 1'), lease_until: db.raw(`now() + ${LEASE}`) });
  return n > 0;
}

export async function outboundSent(db: Db, id: string, smtpResponse: string): Promise<void> {
  await db('mail_outbound').where({ id }).update({ status: 'sent', sent_at: db.fn.now(), smtp_response: smtpResponse.slice(0, 500) });
}

export async function outboundFailed(db: Db, id: string, reason: string, final: boolean): Promise<void> {
  // Not final: pending again, for the next run (until its tenth try).
  await db('mail_outbound')
    .where({ id })
    .update({ status: final ? 'failed' : db.raw("case when attempts >= 10 then 'failed' else 'pending' end"), lease_until: null, smtp_response: reason.slice(0, 500) });
}

export interface DigestPerson {
  personId: string;
  address: string;
  language: MailLanguage;
  digestHour: number;
  timeZone: string;
}

/** The people with notifications waiting for their digest, with their hour and time zone. */
export async function digestPeople(db: Db): Promise<DigestPerson[]> {
  const rows = await rowsOf<{ person_id: string; address: string; language: MailLanguage; digest_hour: number; timezone: string | null }[]>(
    db('mail_outbound as o')
      .leftJoin('staff as s', 's.id', 'o.person_id')
      .leftJoin('client_contacts as c', 'c.id', 'o.person_id')
      .where('o.mode', 'digest')
      .where('o.status', 'pending')
      .groupBy('o.person_id', 'o.address', 's.language', 'c.language', 's.digest_hour', 'c.digest_hour', 's.timezone', 'c.client_id')
      .select(
        'o.person_id',
        'o.address',
        db.raw("coalesce(s.language, c.language, 'en') as language"),
        db.raw('coalesce(s.digest_hour, c.digest_hour, 8) as digest_hour'),
        db.raw('coalesce(s.timezone, (select timezone from subscriptions where client_id = c.client_id order by starts_on desc limit 1)) as timezone'),
      ),
  );
  return rows.map((r) => ({ personId: r.person_id, address: r.address, language: r.language, digestHour: Number(r.digest_hour), timeZone: r.timezone ?? 'UTC' }));
}

/** A person's notifications waiting for the digest at one address, oldest first. */
export async function digestItems(db: Db, personId: string, address: string, limit = 200): Promise<OutboundMail[]> {
  const rows = await rowsOf<OutboundRaw[]>(outboundSelect(db).where({ 'o.mode': 'digest', 'o.status': 'pending', 'o.person_id': personId, 'o.address': address }).orderBy('o.id').limit(limit));
  return rows.map(toOutbound);
}

/**
 * Begins a person's digest of a day: once per key. A digest begun before and not finished (the
 * sender died) is the same digest, with the same items and Message-ID, taken over once its lease
 * ends; while another sender holds it, `held` is true and nothing is to be sent here.
 */
export async function beginDigest(db: Db, d: { key: string; personId: string; messageId: string; itemIds: string[] }): Promise<{ status: 'sending' | 'sent' | 'held'; itemIds: string[]; messageId: string }> {
  return db.transaction(async (trx) => {
    const inserted = await trx('mail_digests').insert({ key: d.key, person_id: d.personId, message_id: d.messageId, items: d.itemIds.length, lease_until: trx.raw(`now() + ${LEASE}`) }).onConflict('key').ignore().returning('key');
    let mine = inserted.length > 0;
    if (mine) {
      await trx('mail_outbound').whereIn('id', d.itemIds).where({ status: 'pending' }).update({ status: 'sending', digest_key: d.key, message_id: d.messageId, attempts: trx.raw('attempts + 1') });
    } else {
      mine = (await trx('mail_digests').where({ key: d.key, status: 'sending' }).where('lease_until', '<', trx.fn.now()).update({ lease_until: trx.raw(`now() + ${LEASE}`) })) > 0;
    }
    const row = await trx('mail_digests').where({ key: d.key }).first<{ status: 'sending' | 'sent'; message_id: string }>('status', 'message_id');
    const items = await rowsOf<{ id: string }[]>(trx('mail_outbound').where({ digest_key: d.key }).select('id').orderBy('id'));
    return { status: row.status === 'sending' && !mine ? 'held' : row.status, messageId: row.message_id, itemIds: items.map((i) => String(i.id)) };
  });
}

export async function digestSent(db: Db, key: string, smtpResponse: string): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('mail_digests').where({ key }).update({ status: 'sent', sent_at: trx.fn.now() });
    await trx('mail_outbound').where({ digest_key: key }).update({ status: 'sent', sent_at: trx.fn.now(), smtp_response: smtpResponse.slice(0, 500) });
  });
}

/** Outbound rows of one digest, for the mail. */
export async function outboundByIds(db: Db, ids: string[]): Promise<OutboundMail[]> {
  if (ids.length === 0) return [];
  return (await rowsOf<OutboundRaw[]>(outboundSelect(db).whereIn('o.id', ids).orderBy('o.id'))).map(toOutbound);
}

// ---------------------------------------------------------------------------------------------
// Settings

export interface MailSettings {
  address: string;
  /** Every kind of notification one can choose for, in the order the process meets them. */
  kinds: readonly string[];
  digestHour: number;
  /** The mode of every kind named, and `*` for the rest. */
  modes: Record<string, MailMode>;
}


export async function mailSettings(db: Db, actor: Actor): Promise<MailSettings> {
  const person = await db(tableOf(actor)).where({ id: actor.id }).first<{ email: string; digest_hour: number } | undefined>('email', 'digest_hour');
  const prefs = await rowsOf<{ kind: string; mode: MailMode }[]>(db('mail_preferences').where({ person_id: actor.id }).orderBy('kind'));
  const modes: Record<string, MailMode> = { '*': DEFAULT_MAIL_MODE };
  for (const p of prefs) modes[p.kind] = p.mode;
  return { address: person?.email ?? '', kinds: MAIL_KINDS, digestHour: person?.digest_hour ?? 8, modes };
}

/** Replaces a person's mail settings: the kinds named get their mode; kinds not named follow `*`. */
export async function setMailSettings(db: Db, actor: Actor, s: { digestHour?: number | undefined; modes?: Record<string, MailMode> | undefined }): Promise<void> {
  await db.transaction(async (trx) => {
    if (s.digestHour !== undefined) await trx(tableOf(actor)).where({ id: actor.id }).update({ digest_hour: s.digestHour });
    if (s.modes) {
      await trx('mail_preferences').where({ person_id: actor.id }).delete();
      const rows = Object.entries(s.modes).filter(([, mode]) => MAIL_MODES.includes(mode)).map(([kind, mode]) => ({ person_id: actor.id, kind, mode }));
      if (rows.length > 0) await trx('mail_preferences').insert(rows);
    }
  });
}
