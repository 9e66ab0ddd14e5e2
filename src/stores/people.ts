// People on staff: roles, seniority, skills, capacity, mentors, who is active.
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/knex';
import type { Actor } from '../domain';
import { recordAdminChange } from './admin-audit';

export interface StaffRow {
  id: string;
  name: string;
  email: string;
  role: string;
  seniority: string | null;
  skills: string[];
  weekly_capacity_hours: number;
  mentor_id: string | null;
  timezone: string;
  active: boolean;
}

export type NewStaff = Omit<StaffRow, 'id' | 'active'>;
export type StaffChange = Partial<Pick<StaffRow, 'skills' | 'weekly_capacity_hours' | 'mentor_id' | 'seniority' | 'active'>>;

export async function staffById(db: Db, id: string): Promise<StaffRow | undefined> {
  return (await db('staff').where({ id }).first()) as StaffRow | undefined;
}

export async function listStaff(db: Db): Promise<StaffRow[]> {
  return (await db('staff').orderBy(['role', 'name'])) as StaffRow[];
}

/** A specialist's seniority (null for anyone else). */
export async function specialistSeniority(db: Db, id: string): Promise<string | null> {
  const row = await db('staff').where({ id, role: 'specialist' }).first<{ seniority: string | null } | undefined>('seniority');
  return row?.seniority ?? null;
}

export async function isManager(db: Db, id: string): Promise<boolean> {
  return (await db('staff').where({ id, role: 'manager' }).first('id')) !== undefined;
}

export async function activeAdmins(db: Db): Promise<number> {
  const [row] = await db('staff').where({ role: 'admin', active: true }).count<{ n: string }[]>('* as n');
  return Number(row?.n ?? 0);
}

export async function insertStaff(db: Db, s: NewStaff): Promise<StaffRow> {
  const [row] = (await db('staff').insert({ id: randomUUID(), ...s }).returning('*')) as StaffRow[];
  return row!;
}

/**
 * Changes a person and records it in the administrative audit trail, in one transaction. Taking
 * an administrator's activity away locks every active administrator first, so two of them
 * deactivating each other at once cannot leave nobody: `lastAdmin` then, and nothing changed.
 */
export async function updateStaff(db: Db, id: string, change: StaffChange, audit: { actor: Actor; detail: object; reason?: string | undefined }): Promise<StaffRow | 'lastAdmin'> {
  return db.transaction(async (trx) => {
    const before = (await trx('staff').where({ id }).first()) as StaffRow | undefined;
    if (before?.role === 'admin' && change.active === false) {
      const active: { id: string }[] = await trx('staff').where({ role: 'admin', active: true }).forUpdate().select('id');
      if (!active.some((a) => a.id !== id)) return 'lastAdmin';
    }
    const [updated] = (await trx('staff').where({ id }).update(change).returning('*')) as StaffRow[];
    await recordAdminChange(trx, audit.actor, 'staff.update', id, audit.detail, audit.reason);
    return updated!;
  });
}

/** R1: the client's account manager when active, else the active manager with the fewest open requests. */
export async function responsibleManager(db: Db, clientId: string): Promise<string> {
  const client = await db('clients as c')
    .leftJoin('staff as s', 's.id', 'c.account_manager_id')
    .where('c.id', clientId)
    .first<{ account_manager_id: string | null; active: boolean | null } | undefined>('c.account_manager_id', 's.active');
  if (client?.account_manager_id && client.active) return client.account_manager_id;
  const row = await db('staff as s')
    .leftJoin('requests as r', function () {
      this.on('r.manager_id', 's.id').andOnNotIn('r.stage', ['Closed', 'Cancelled']);
    })
    .where({ 's.role': 'manager', 's.active': true })
    .groupBy('s.id')
    .orderByRaw('count(r.id) asc, s.created_at asc, s.id asc')
    .first<{ id: string } | undefined>('s.id');
  if (!row) throw new Error('no active manager on staff');
  return row.id;
  }

/** A named active specialist, if there is one. */
export async function activeSpecialist(db: Db, id: string): Promise<string | null> {
  const row = await db('staff').where({ id, role: 'specialist', active: true }).first<{ id: string } | undefined>('id');
  return row?.id ?? null;
}
