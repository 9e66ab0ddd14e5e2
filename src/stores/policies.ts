// Subscription policies (#16): named, versioned rules (SLA, calendar, buffers, reminders,
// rollover). A subscription points at a policy, none: the company default. Versions are never
// changed: an edit is a new version, with who and when.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { rowsOf, type Db } from '../db/knex';
import { policyBuffer, policyCalendar, policyTiming, type Policy, type PolicyRef, type RequestContext } from '../domain';

export interface PolicySummary {
  id: string;
  name: string;
  isDefault: boolean;
  version: number;
  changedAt: string;
  changedBy: string;
  /** Subscriptions that point at it (the default also serves every subscription that points nowhere). */
  subscriptions: number;
}

export interface PolicyVersion {
  version: number;
  createdBy: string;
  createdAt: string;
  note: string | null;
}

export interface PolicyDetail extends Omit<PolicySummary, 'changedAt' | 'changedBy'> {
  policy: Policy;
  versions: PolicyVersion[];
}

type Conn = Db | Knex.Transaction;

const iso = (d: Date | string) => new Date(d).toISOString();

export async function defaultPolicyId(db: Conn): Promise<string> {
  const row = await db('policies').where({ is_default: true }).first<{ id: string } | undefined>('id');
  if (!row) throw new Error('no company default policy: run the migrations');
  return row.id;
}

export async function listPolicies(db: Db): Promise<PolicySummary[]> {
  const rows = await rowsOf<{ id: string; name: string; is_default: boolean; version: number; created_at: Date; created_by: string; subscriptions: string }[]>(
    db
      .from('policies as p')
      .join('policy_versions as v', function () {
        this.on('v.policy_id', 'p.id').andOn('v.version', db.raw('(select max(version) from policy_versions where policy_id = p.id)'));
      })
      .select('p.id', 'p.name', 'p.is_default', 'v.version', 'v.created_at', 'v.created_by')
      .select(db.raw('(select count(*) from subscriptions s where s.policy_id = p.id) as subscriptions'))
      .orderBy([{ column: 'p.is_default', order: 'desc' }, { column: 'p.name' }]),
  );
  return rows.map((r) => ({ id: r.id, name: r.name, isDefault: r.is_default, version: r.version, changedAt: iso(r.created_at), changedBy: r.created_by, subscriptions: Number(r.subscriptions) }));
}

export async function policyVersionOf(db: Conn, policyId: string, version?: number): Promise<{ ref: PolicyRef; policy: Policy; createdAt: string; createdBy: string; note: string | null } | undefined> {
  const q = db
    .from('policy_versions as v')
    .join('policies as p', 'p.id', 'v.policy_id')
    .where('v.policy_id', policyId)
    .select('p.name', 'v.version', 'v.body', 'v.created_at', 'v.created_by', 'v.note');
  const row = await (version === undefined ? q.orderBy('v.version', 'desc') : q.where('v.version', version)).first<
    { name: string; version: number; body: Policy; created_at: Date; created_by: string; note: string | null } | undefined
  >();
  if (!row) return undefined;
  return { ref: { policyId, name: row.name, version: row.version }, policy: row.body, createdAt: iso(row.created_at), createdBy: row.created_by, note: row.note };
}

export async function policyDetail(db: Db, policyId: string): Promise<PolicyDetail | undefined> {
  const head = await db('policies').where({ id: policyId }).first<{ id: string; name: string; is_default: boolean } | undefined>('id', 'name', 'is_default');
  if (!head) return undefined;
  const latest = await policyVersionOf(db, policyId);
  const versions = await rowsOf<{ version: number; created_by: string; created_at: Date; note: string | null }[]>(
    db('policy_versions').where({ policy_id: policyId }).orderBy('version', 'desc').select('version', 'created_by', 'created_at', 'note'),
  );
  const subscriptions = await db('subscriptions').where({ policy_id: policyId }).count<{ count: string }[]>('* as count');
  return {
    id: head.id,
    name: head.name,
    isDefault: head.is_default,
    version: latest!.ref.version,
    subscriptions: Number(subscriptions[0]?.count ?? 0),
    policy: latest!.policy,
    versions: versions.map((v) => ({ version: v.version, createdBy: v.created_by, createdAt: iso(v.created_at), note: v.note })),
  };
}

/** A new policy at version 1; undefined when the name is taken. */
export async function createPolicy(db: Db, p: { name: string; policy: Policy; by: string; note?: string | undefined }): Promise<{ id: string; version: number } | undefined> {
  return db.transaction(async (trx) => {
    const rows: { id: string }[] = await trx('policies').insert({ id: randomUUID(), name: p.name }).onConflict('name').ignore().returning('id');
    const id = rows[0]?.id;
    if (!id) return undefined;
    await trx('policy_versions').insert({ policy_id: id, version: 1, body: JSON.stringify(p.policy), created_by: p.by, note: p.note ?? null });
    return { id, version: 1 };
  });
}

/**
 * A new version of a policy. `expected` (from If-Match) must be the latest version, so two admins
 * editing at once do not overwrite each other silently. Undefined: no such policy.
 */
export async function addPolicyVersion(
  db: Db,
  policyId: string,
  p: { policy: Policy; by: string; note?: string | undefined; expected?: number | undefined },
): Promise<{ version: number } | { stale: number } | undefined> {
  return db.transaction(async (trx) => {
    const head = await trx('policies').where({ id: policyId }).forUpdate().first<{ id: string } | undefined>('id');
    if (!head) return undefined;
    const latest = await trx('policy_versions').where({ policy_id: policyId }).max<{ max: number }>('version as max').first();
    const current = latest?.max ?? 0;
    if (p.expected !== undefined && p.expected !== current) return { stale: current };
    await trx('policy_versions').insert({ policy_id: policyId, version: current + 1, body: JSON.stringify(p.policy), created_by: p.by, note: p.note ?? null });
    return { version: current + 1 };
  });
}

/** The policy a client's requests are filed under now: its subscription's (the latest started), at its latest version. */
export async function clientPolicy(db: Conn, clientId: string): Promise<{ ref: PolicyRef; policy: Policy; timeZone: string; autoCloseOverride: number | null }> {
  const sub = await db('subscriptions')
    .where({ client_id: clientId })
    .orderBy('starts_on', 'desc')
    .first<{ timezone: string; auto_close_after_days: number | null; policy_id: string | null } | undefined>('timezone', 'auto_close_after_days', 'policy_id');
  const { ref, policy } = await policyForSubscription(db, sub?.policy_id ?? null);
  return { ref, policy, timeZone: sub?.timezone ?? 'UTC', autoCloseOverride: sub?.auto_close_after_days ?? null };
}

/**
 * What a request of this client is filed under: the calendar, timers, buffers and thresholds of
 * the subscription's policy, fixed in the workflow's input. A subscription's own auto-close days
 * (set before policies existed) override the policy's.
 */
export function contextOf(p: { ref: PolicyRef; policy: Policy; timeZone: string; autoCloseOverride: number | null }): RequestContext {
  return {
    calendar: policyCalendar(p.policy, p.timeZone),
    policy: policyTiming(p.policy),
    policyRef: p.ref,
    buffer: policyBuffer(p.policy),
    quickAnswerMinutes: p.policy.quickAnswerMinutes,
    autoCloseAfterDays: p.autoCloseOverride ?? p.policy.autoCloseAfterDays,
  };
}

export async function requestContextFor(db: Db, clientId: string): Promise<RequestContext> {
  return contextOf(await clientPolicy(db, clientId));
}

/** Points a client's subscription at a policy (null: the company default). False: no such subscription. */
export async function setSubscriptionPolicy(db: Db, clientId: string, subscriptionId: string, policyId: string | null): Promise<boolean> {
  const n = await db('subscriptions').where({ id: subscriptionId, client_id: clientId }).update({ policy_id: policyId });
  return n > 0;
}

export async function policyExists(db: Conn, policyId: string): Promise<boolean> {
  return (await db('policies').where({ id: policyId }).first('id')) !== undefined;
}

/** A subscription's policy at its latest version (none: the company default), for statements, rollover and under-use. */
export async function policyForSubscription(db: Conn, subscriptionPolicyId: string | null): Promise<{ ref: PolicyRef; policy: Policy }> {
  const found = await policyVersionOf(db, subscriptionPolicyId ?? (await defaultPolicyId(db)));
  if (!found) throw new Error('policy without a version');
  return { ref: found.ref, policy: found.policy };
}

/**
 * A new version is shown to the managers of the open requests still running under an earlier
 * one, once per request and version: their inbox says so, and the request's page shows what
 * applying it would move. Nothing moves by itself. Returns how many were told.
 */
export async function notifyPolicyVersion(db: Db, ref: PolicyRef): Promise<number> {
  const rows = await rowsOf<{ id: string; key: string | null; client_id: string; manager_id: string; title: string }[]>(
    db('requests')
      .whereNotIn('stage', ['Closed', 'Cancelled'])
      .whereRaw("state->'policy'->>'policyId' = ?", [ref.policyId])
      .whereRaw("(state->'policy'->>'version')::int < ?", [ref.version])
      .select('id', 'key', 'client_id', 'manager_id', 'title'),
  );
  if (rows.length === 0) return 0;
  const at = new Date();
  await db('notifications')
    .insert(
      rows.map((r) => ({
        id: `policy:${ref.policyId}:v${ref.version}:${r.id}`,
        request_id: r.id,
        client_id: r.client_id,
        recipient_role: 'manager',
        recipient_id: r.manager_id,
        kind: 'policy.changed',
        text: `${r.key ?? r.id} · ${r.title}: policy ${ref.name} has a version ${ref.version}; see what it would move, and apply it`,
        created_at: at,
      })),
    )
    .onConflict('id')
    .ignore();
  return rows.length;
}
