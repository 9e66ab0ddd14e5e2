// Sign-in for people: invitations (single-use, expiring, kept only as hashes), passwords
// (argon2id), server-side sessions with their CSRF token, lock-out after repeated failures.
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { rowsOf, type Db } from '../db/knex';
import type { Actor, Role } from '../domain';
import { hashToken } from './credentials';

/** Failed sign-ins in a row before an account is locked, and for how long. */
export const LOCK_AFTER_FAILURES = 5;
export const LOCK_MINUTES = 15;
/** A session ends after this long without use, and after this long in any case. */
export const SESSION_IDLE_HOURS = 12;
export const SESSION_MAX_DAYS = 30;

export type Person = { staffId: string; contactId?: undefined } | { contactId: string; staffId?: undefined };

const secret = () => randomBytes(32).toString('base64url');

/** A well-formed hash to verify against when the e-mail is unknown, so both cases take as long. */
let decoy: Promise<string> | undefined;

interface PersonRow {
  staff_id: string | null;
  contact_id: string | null;
  role: Role | null;
  active: boolean | null;
  client_id: string | null;
  name: string | null;
  email: string | null;
}

function actorOf(r: PersonRow): Actor | undefined {
  if (r.staff_id && r.role && r.active) return { id: r.staff_id, role: r.role };
  if (r.contact_id && r.client_id) return { id: r.contact_id, role: 'client', clientId: r.client_id };
  return undefined;
}

/** Joins a table with staff_id/contact_id columns to the person it names. */
function withPerson(db: Db, table: string) {
  return db(`${table} as x`)
    .leftJoin('staff as s', 's.id', 'x.staff_id')
    .leftJoin('client_contacts as c', 'c.id', 'x.contact_id')
    .select('x.staff_id', 'x.contact_id', 's.role', 's.active', 'c.client_id', db.raw('coalesce(s.name, c.name) as name'), db.raw('coalesce(s.email, c.email) as email'));
}

/** The person to invite, if they exist: their name, e-mail and role. */
export async function invitee(db: Db, p: Person): Promise<{ name: string; email: string; role: Role } | undefined> {
  if (p.staffId) {
    const s = await db('staff').where({ id: p.staffId, active: true }).first<{ name: string; email: string; role: Role } | undefined>('name', 'email', 'role');
    return s;
  }
  const c = await db('client_contacts').where({ id: p.contactId }).first<{ name: string; email: string } | undefined>('name', 'email');
  return c ? { ...c, role: 'client' } : undefined;
}

/** A new invitation: the token is returned once; earlier unused invitations of the person stop working. */
export async function createInvitation(db: Db, p: Person, createdBy: string, hours: number): Promise<{ id: string; token: string; expiresAt: string }> {
  const token = `inv_${secret()}`;
  const id = randomUUID();
  const expiresAt = new Date(Date.now() + hours * 3_600_000);
  await db.transaction(async (trx) => {
    await trx('invitations').where(p.staffId ? { staff_id: p.staffId } : { contact_id: p.contactId }).whereNull('used_at').update({ expires_at: trx.fn.now() });
    await trx('invitations').insert({ id, token_hash: hashToken(token), staff_id: p.staffId ?? null, contact_id: p.contactId ?? null, created_by: createdBy, expires_at: expiresAt });
  });
  return { id, token, expiresAt: expiresAt.toISOString() };
}

/** Who an invitation is for, while it is unused and unexpired. */
export async function openInvitation(db: Db, token: string): Promise<{ name: string; email: string; role: Role } | undefined> {
  const row = await withPerson(db, 'invitations')
    .where('x.token_hash', hashToken(token))
    .whereNull('x.used_at')
    .where('x.expires_at', '>', db.fn.now())
    .first<PersonRow | undefined>();
  const actor = row ? actorOf(row) : undefined;
  return row && actor ? { name: row.name ?? '', email: row.email ?? '', role: actor.role } : undefined;
}

export interface Session {
  /** The cookie's value: returned once, stored only as a hash. */
  token: string;
  csrfToken: string;
  expiresAt: string;
}

async function newSession(db: Db, p: { staff_id: string | null; contact_id: string | null }, userAgent: string | undefined): Promise<Session> {
  const token = secret();
  const csrfToken = secret();
  const expiresAt = new Date(Date.now() + SESSION_MAX_DAYS * 86_400_000);
  await db('sessions').insert({ id_hash: hashToken(token), staff_id: p.staff_id, contact_id: p.contact_id, csrf_token: csrfToken, expires_at: expiresAt, user_agent: userAgent?.slice(0, 300) ?? null });
  return { token, csrfToken, expiresAt: expiresAt.toISOString() };
}

/**
 * Uses an invitation: once, before it expires. Sets the person's password (argon2id) and starts a
 * session. Undefined when the invitation is unknown, used or expired.
 */
export async function acceptInvitation(db: Db, token: string, password: string, userAgent?: string): Promise<{ session: Session; actor: Actor } | undefined> {
  const passwordHash = await hash(password);
  return db.transaction(async (trx) => {
    const [used] = await rowsOf<{ staff_id: string | null }[]>(
      trx('invitations').where('token_hash', hashToken(token)).whereNull('used_at').where('expires_at', '>', trx.fn.now()).update({ used_at: trx.fn.now() }).returning(['staff_id']),
    );
    if (!used) return undefined;
    const person = (await withPerson(trx, 'invitations').where('x.token_hash', hashToken(token)).first()) as PersonRow;
    const actor = actorOf(person);
    if (!actor || !person.email) return undefined;
    await trx('logins')
      .insert({ email: person.email.toLowerCase(), staff_id: person.staff_id, contact_id: person.contact_id, password_hash: passwordHash, failed_count: 0, locked_until: null, updated_at: trx.fn.now() })
      .onConflict('email')
      .merge();
    // A new password ends every session of the person: whoever knew the old one is out.
    await trx('sessions').where(person.staff_id ? { staff_id: person.staff_id } : { contact_id: person.contact_id }).whereNull('revoked_at').update({ revoked_at: trx.fn.now() });
    return { session: await newSession(trx, person, userAgent), actor };
  });
}

export type LoginResult = { ok: true; session: Session; actor: Actor } | { ok: false; locked?: { until: string } };

/**
 * Signs a person in by e-mail and password. Every failure counts; after LOCK_AFTER_FAILURES in a
 * row the account is locked for LOCK_MINUTES, also for the right password. An unknown e-mail
 * takes as long as a wrong password and answers the same.
 */
export async function signIn(db: Db, email: string, password: string, userAgent?: string): Promise<LoginResult> {
  const row = await db('logins as x')
    .leftJoin('staff as s', 's.id', 'x.staff_id')
    .leftJoin('client_contacts as c', 'c.id', 'x.contact_id')
    .where('x.email', email.toLowerCase())
    .first<(PersonRow & { password_hash: string; locked_until: Date | null; failed_count: number }) | undefined>(
      'x.staff_id',
      'x.contact_id',
      'x.password_hash',
      'x.locked_until',
      'x.failed_count',
      's.role',
      's.active',
      'c.client_id',
    );
  if (!row) {
    decoy ??= hash(secret());
    await verify(await decoy, password).catch(() => false);
    return { ok: false };
  }
  if (row.locked_until && row.locked_until > new Date()) return { ok: false, locked: { until: row.locked_until.toISOString() } };
  const good = await verify(row.password_hash, password).catch(() => false);
  const actor = actorOf(row);
  if (!good || !actor) {
    const [after] = await rowsOf<{ locked_until: Date | null }[]>(
      db('logins')
        .where({ email: email.toLowerCase() })
        .update({
          failed_count: db.raw('failed_count + 1'),
          locked_until: db.raw(`case when failed_count + 1 >= ? then now() + interval '${LOCK_MINUTES} minutes' else locked_until end`, [LOCK_AFTER_FAILURES]),
        })
        .returning(['locked_until']),
    );
    return after?.locked_until && after.locked_until > new Date() ? { ok: false, locked: { until: after.locked_until.toISOString() } } : { ok: false };
  }
  await db('logins').where({ email: email.toLowerCase() }).update({ failed_count: 0, locked_until: null });
  return { ok: true, session: await newSession(db, row, userAgent), actor };
}

/** The person a session cookie belongs to, while the session is live; touches it at most once a minute. */
export async function sessionHolder(db: Db, token: string): Promise<{ actor: Actor; csrfToken: string; idHash: string } | undefined> {
  const idHash = hashToken(token);
  const row = await withPerson(db, 'sessions')
    .select('x.csrf_token', 'x.last_seen_at')
    .where('x.id_hash', idHash)
    .whereNull('x.revoked_at')
    .where('x.expires_at', '>', db.fn.now())
    .where('x.last_seen_at', '>', db.raw(`now() - interval '${SESSION_IDLE_HOURS} hours'`))
    .first<(PersonRow & { csrf_token: string; last_seen_at: Date }) | undefined>();
  if (!row) return undefined;
  const actor = actorOf(row);
  if (!actor) return undefined;
  if (Date.now() - row.last_seen_at.getTime() > 60_000) await db('sessions').where({ id_hash: idHash }).update({ last_seen_at: db.fn.now() });
  return { actor, csrfToken: row.csrf_token, idHash };
}

/** Constant-time comparison of a CSRF token sent with a call against the session's. */
export function sameToken(sent: string | undefined, expected: string): boolean {
  if (!sent) return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function endSession(db: Db, idHash: string): Promise<void> {
  await db('sessions').where({ id_hash: idHash }).whereNull('revoked_at').update({ revoked_at: db.fn.now() });
}

/** Signs the person out everywhere: every session of theirs ends. */
export async function endAllSessions(db: Db, actor: Actor): Promise<number> {
  return db('sessions').where(actor.role === 'client' ? { contact_id: actor.id } : { staff_id: actor.id }).whereNull('revoked_at').update({ revoked_at: db.fn.now() });
}
