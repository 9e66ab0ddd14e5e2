// API credentials: bearer tokens, stored only as hashes, issued, revoked, expiring.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { rowsOf, type Db } from '../db/knex';
import type { Actor, Role } from '../domain';

/** Tokens are random and long, so a fast hash is enough: nothing to brute-force. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function newToken(): string {
  return `rd_${randomBytes(24).toString('base64url')}`;
}

/** Who holds a token that is known, not revoked and not expired; `actor` unset when that person is no longer active. */
export async function tokenHolder(db: Db, token: string): Promise<{ credentialId: string; actor?: Actor; expiresAt?: number } | undefined> {
  const row = await db('api_credentials as k')
    .leftJoin('staff as s', 's.id', 'k.staff_id')
    .leftJoin('client_contacts as c', 'c.id', 'k.contact_id')
    .where('k.token_hash', hashToken(token))
    .whereNull('k.revoked_at')
    .where((q) => q.whereNull('k.expires_at').orWhere('k.expires_at', '>', db.fn.now()))
    .first<{ id: string; staff_id: string | null; role: Role | null; active: boolean | null; contact_id: string | null; client_id: string | null; expires_at: Date | null } | undefined>(
      'k.id',
      'k.expires_at',
      'k.staff_id',
      's.role',
      's.active',
      'k.contact_id',
      'c.client_id',
    );
  if (!row) return undefined;
  const expiry = row.expires_at ? { expiresAt: new Date(row.expires_at).getTime() } : {};
  if (row.staff_id && row.role && row.active) return { credentialId: row.id, actor: { id: row.staff_id, role: row.role }, ...expiry };
  if (row.contact_id && row.client_id) return { credentialId: row.id, actor: { id: row.contact_id, role: 'client', clientId: row.client_id }, ...expiry };
  return { credentialId: row.id };
}

/** A new token for a person of staff or a client contact; the token itself is returned once and never stored. */
export async function issueCredential(db: Db, c: { staffId?: string | undefined; contactId?: string | undefined; label: string; expiresAt?: string | undefined }) {
  const token = newToken();
  const rows: { id: string; label: string; expires_at: Date | null }[] = await db('api_credentials')
    .insert({ id: randomUUID(), token_hash: hashToken(token), staff_id: c.staffId ?? null, contact_id: c.contactId ?? null, label: c.label, expires_at: c.expiresAt ?? null })
    .returning(['id', 'label', 'expires_at']);
  return { ...rows[0]!, token };
}

/** Revokes an active credential; false when there is none such. */
export async function revokeCredential(db: Db, id: string): Promise<boolean> {
  return (await db('api_credentials').where({ id }).whereNull('revoked_at').update({ revoked_at: db.fn.now() })) > 0;
}

/** The administrator with this e-mail (created if missing) and a new token for them; refused for another role. */
export async function adminToken(db: Db, name: string, email: string): Promise<string> {
  await db('staff').insert({ id: randomUUID(), name, email, role: 'admin' }).onConflict('email').ignore();
  const admin = await db('staff').where({ email }).first<{ id: string; role: string }>('id', 'role');
  if (admin.role !== 'admin') throw new Error(`${email} belongs to a ${admin.role}, not an admin`);
  const token = newToken();
  await db('api_credentials').insert({ id: randomUUID(), token_hash: hashToken(token), staff_id: admin.id, label: 'admin-token cli' });
  return token;
}

/** The tokens issued, newest first, with whose they are: never the token itself (only its hash is kept). */
export async function listCredentials(db: Db, limit = 500) {
  const rows = await rowsOf<
    { id: string; label: string; staff_id: string | null; contact_id: string | null; created_at: Date; expires_at: Date | null; revoked_at: Date | null; holder: string | null }[]
  >(
    db('api_credentials as k')
      .leftJoin('staff as s', 's.id', 'k.staff_id')
      .leftJoin('client_contacts as c', 'c.id', 'k.contact_id')
      .orderBy([{ column: 'k.created_at', order: 'desc' }, { column: 'k.id', order: 'desc' }])
      .limit(limit)
      .select('k.id', 'k.label', 'k.staff_id', 'k.contact_id', 'k.created_at', 'k.expires_at', 'k.revoked_at', db.raw('coalesce(s.name, c.name) as holder')),
  );
  return rows.map((r) => ({
    id: r.id,
    label: r.label,
    staffId: r.staff_id,
    contactId: r.contact_id,
    holder: r.holder,
    createdAt: r.created_at.toISOString(),
    expiresAt: r.expires_at?.toISOString() ?? null,
    revokedAt: r.revoked_at?.toISOString() ?? null,
  }));
}
