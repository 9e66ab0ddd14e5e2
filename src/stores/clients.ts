// Clients, their subscriptions and their contacts.
import { randomUUID } from 'node:crypto';
import { rowsOf, type Db } from '../db/knex';
import type { Actor } from '../domain';
import { clientsVisibleTo } from './client-visibility';

export interface ClientRow {
  id: string;
  name: string;
  account_manager_id: string | null;
  key_prefix: string | null;
}

export interface SubscriptionRow {
  id: string;
  monthly_hours: number;
  timezone: string;
  starts_on: string;
  ends_on: string | null;
  rollover_unused: boolean;
  auto_close_after_days: number | null;
  policy_id: string | null;
}

export async function clientExists(db: Db, id: string): Promise<boolean> {
  return (await db('clients').where({ id }).first('id')) !== undefined;
}

export async function insertClient(db: Db, c: { name: string; accountManagerId?: string | undefined }): Promise<ClientRow> {
  const [row] = (await db('clients').insert({ id: randomUUID(), name: c.name, account_manager_id: c.accountManagerId ?? null }).returning('*')) as ClientRow[];
  return row!;
}

/** The clients this person may see, by name. */
export async function clientsOf(db: Db, actor: Actor): Promise<ClientRow[]> {
  return (await clientsVisibleTo(db, actor, db('clients').select('id', 'name', 'account_manager_id', 'key_prefix').orderBy('name'))) as ClientRow[];
}

export async function insertSubscription(
  db: Db,
  clientId: string,
  s: { monthlyHours: number; timezone: string; startsOn: string; endsOn?: string | undefined; rolloverUnused: boolean; autoCloseAfterDays?: number | undefined; policyId?: string | undefined },
): Promise<SubscriptionRow> {
  const [row] = (await db('subscriptions')
    .insert({
      id: randomUUID(),
      client_id: clientId,
      monthly_hours: s.monthlyHours,
      timezone: s.timezone,
      starts_on: s.startsOn,
      ends_on: s.endsOn ?? null,
      rollover_unused: s.rolloverUnused,
      auto_close_after_days: s.autoCloseAfterDays ?? null,
      policy_id: s.policyId ?? null,
    })
    .returning('*')) as SubscriptionRow[];
  return row!;
}

export async function insertContact(db: Db, clientId: string, c: { name: string; email: string }): Promise<{ id: string; name: string; email: string }> {
  const rows: { id: string; name: string; email: string }[] = await db('client_contacts').insert({ id: randomUUID(), client_id: clientId, name: c.name, email: c.email }).returning(['id', 'name', 'email']);
  return rows[0]!;
}

/** A client with its subscriptions (newest first) and contacts, for the administration pages. */
export async function clientDetails(db: Db, id: string) {
  const client = await db('clients').where({ id }).first<{ id: string; name: string; account_manager_id: string | null; key_prefix: string | null } | undefined>('id', 'name', 'account_manager_id', 'key_prefix');
  if (!client) return undefined;
  const subscriptions = await rowsOf<{ id: string; monthly_hours: number; timezone: string; starts_on: string; ends_on: string | null; rollover_unused: boolean; auto_close_after_days: number | null; policy_id: string | null }[]>(
    db('subscriptions').where({ client_id: id }).orderBy('starts_on', 'desc').select('id', 'monthly_hours', 'timezone', 'starts_on', 'ends_on', 'rollover_unused', 'auto_close_after_days', 'policy_id'),
  );
  const contacts = await rowsOf<{ id: string; name: string; email: string; signed_in: boolean }[]>(
    db('client_contacts as c')
      .where({ 'c.client_id': id })
      .orderBy('c.name')
      .select('c.id', 'c.name', 'c.email', db.raw('exists (select 1 from logins l where l.contact_id = c.id) as signed_in')),
  );
  return {
    id: client.id,
    name: client.name,
    accountManagerId: client.account_manager_id,
    keyPrefix: client.key_prefix,
    subscriptions: subscriptions.map((s) => ({
      id: s.id,
      monthlyHours: Number(s.monthly_hours),
      timezone: s.timezone,
      startsOn: s.starts_on,
      endsOn: s.ends_on,
      rolloverUnused: s.rollover_unused,
      autoCloseAfterDays: s.auto_close_after_days,
      policyId: s.policy_id,
    })),
    contacts: contacts.map((c) => ({ id: c.id, name: c.name, email: c.email, hasPassword: c.signed_in })),
  };
}
