import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { Router } from 'express';
import { dispatchWorkflow } from '../../workflows';
import { rowsOf, type Db } from '../../db/knex';
import { actorOf, hashToken, newToken, requireRole } from '../auth';
import { forbidden, notFound, unprocessable } from '../errors';
import { createClientBody, createContactBody, createCredentialBody, createStaffBody, createSubscriptionBody, updateStaffBody, uuidFrom } from '../schemas';

interface StaffRow {
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
interface ClientRow {
  id: string;
  name: string;
  account_manager_id: string | null;
}
interface SubscriptionRow {
  id: string;
  monthly_hours: number;
  timezone: string;
  starts_on: string;
  ends_on: string | null;
  rollover_unused: boolean;
  auto_close_after_days: number | null;
}

async function insertOne<T>(db: Db, table: string, row: object): Promise<T> {
  const rows = (await db(table).insert(row).returning('*')) as T[];
  return rows[0] as T;
}

function staffView(r: StaffRow) {
  return {
    id: r.id,
    name: r.name,
    email: r.email,
    role: r.role,
    seniority: r.seniority,
    skills: r.skills,
    weeklyCapacityHours: r.weekly_capacity_hours,
    mentorId: r.mentor_id,
    timezone: r.timezone,
    active: r.active,
  };
}

export function adminRouter({ db, temporal, taskQueue }: { db: Db; temporal: Client; taskQueue: string }): Router {
  const router = Router();
  const admin = requireRole('admin');

  const clientParam = async (raw: unknown): Promise<string> => {
    const id = uuidFrom(raw, 'client');
    if (!(await db('clients').where({ id }).first('id'))) throw notFound('no such client');
    return id;
  };

  /** R10: a junior's mentor is a senior specialist. */
  const mustBeSenior = async (mentorId: string) => {
    const mentor = await db('staff').where({ id: mentorId, role: 'specialist' }).first<{ seniority: string | null } | undefined>('seniority');
    if (mentor?.seniority !== 'senior') throw unprocessable('a mentor must be a senior specialist on staff');
  };
  const dispatch = () => temporal.workflow.start(dispatchWorkflow, { workflowId: `dispatch-${randomUUID()}`, taskQueue });

  /** Admins manage people; the head may bring in an outside specialist when all hands are busy (R8, R9). */
  router.post('/admin/staff', requireRole('admin', 'head'), async (req, res) => {
    const b = createStaffBody.parse(req.body);
    if (actorOf(req).role === 'head' && b.role !== 'specialist') throw forbidden('the head adds specialists; other staff are added by an admin');
    if (b.mentorId) await mustBeSenior(b.mentorId);
    const row = await insertOne<StaffRow>(db, 'staff', {
        id: randomUUID(),
        name: b.name,
        email: b.email.toLowerCase(),
        role: b.role,
        seniority: b.seniority ?? null,
        skills: b.skills,
        weekly_capacity_hours: b.weeklyCapacityHours,
        mentor_id: b.mentorId ?? null,
        timezone: b.timezone,
      });
    // R8, R9: a new specialist is new capacity: waiting tasks with their skills take it at once.
    if (row.role === 'specialist') await dispatch();
    res.status(201).location(`/admin/staff/${row.id}`).json(staffView(row));
  });

  /** Skills, capacity, mentor, leaving: a change that adds capacity lets waiting tasks take it. */
  router.patch('/admin/staff/:id', requireRole('admin', 'head'), async (req, res) => {
    const id = { success: true as const, data: uuidFrom(req.params.id, 'person') };
    const b = updateStaffBody.parse(req.body);
    if (b.mentorId) await mustBeSenior(b.mentorId);
    const rows = id.success
      ? await rowsOf<StaffRow[]>(
          db('staff')
            .where({ id: id.data })
            .update({
              ...(b.skills !== undefined ? { skills: b.skills } : {}),
              ...(b.weeklyCapacityHours !== undefined ? { weekly_capacity_hours: b.weeklyCapacityHours } : {}),
              ...(b.mentorId !== undefined ? { mentor_id: b.mentorId } : {}),
              ...(b.active !== undefined ? { active: b.active } : {}),
              ...(b.seniority !== undefined ? { seniority: b.seniority } : {}),
            })
            .returning('*'),
        )
      : [];
    const row = rows[0];
    if (!row) throw notFound('no such person');
    if (row.role === 'specialist') await dispatch();
    res.json(staffView(row));
  });

  router.get('/admin/staff', requireRole('admin', 'head', 'manager'), async (_req, res) => {
    const rows = await db<StaffRow>('staff').orderBy(['role', 'name']);
    res.json({ items: rows.map(staffView) });
  });

  router.post('/admin/clients', admin, async (req, res) => {
    const b = createClientBody.parse(req.body);
    if (b.accountManagerId && !(await db('staff').where({ id: b.accountManagerId, role: 'manager' }).first('id'))) {
      throw unprocessable('the account manager must be a manager on staff');
    }
    const row = await insertOne<ClientRow>(db, 'clients', { id: randomUUID(), name: b.name, account_manager_id: b.accountManagerId ?? null });
    res.status(201).location(`/admin/clients/${row.id}`).json({ id: row.id, name: row.name, accountManagerId: row.account_manager_id });
  });

  router.get('/clients', requireRole('admin', 'head', 'manager'), async (_req, res) => {
    const rows = await db<ClientRow>('clients').select('id', 'name', 'account_manager_id').orderBy('name');
    res.json({ items: rows.map((r) => ({ id: r.id, name: r.name, accountManagerId: r.account_manager_id })) });
  });

  router.post('/admin/clients/:id/subscriptions', admin, async (req, res) => {
    const clientId = await clientParam(req.params.id);
    const b = createSubscriptionBody.parse(req.body);
    const row = await insertOne<SubscriptionRow>(db, 'subscriptions', {
        id: randomUUID(),
        client_id: clientId,
        monthly_hours: b.monthlyHours,
        timezone: b.timezone,
        starts_on: b.startsOn,
        ends_on: b.endsOn ?? null,
        rollover_unused: b.rolloverUnused,
        auto_close_after_days: b.autoCloseAfterDays ?? null,
      });
    res.status(201).json({
      id: row.id,
      clientId,
      monthlyHours: row.monthly_hours,
      timezone: row.timezone,
      startsOn: row.starts_on,
      endsOn: row.ends_on,
      rolloverUnused: row.rollover_unused,
      autoCloseAfterDays: row.auto_close_after_days,
    });
  });

  router.post('/admin/clients/:id/contacts', admin, async (req, res) => {
    const clientId = await clientParam(req.params.id);
    const b = createContactBody.parse(req.body);
    const row = await insertOne<{ id: string; name: string; email: string }>(db, 'client_contacts', {
      id: randomUUID(),
      client_id: clientId,
      name: b.name,
      email: b.email.toLowerCase(),
    });
    res.status(201).json({ id: row.id, clientId, name: row.name, email: row.email });
  });

  /** The token is shown once, in this answer; only its hash is stored. */
  router.post('/admin/credentials', admin, async (req, res) => {
    const b = createCredentialBody.parse(req.body);
    const token = newToken();
    const row = await insertOne<{ id: string; label: string; expires_at: Date | null }>(db, 'api_credentials', {
        id: randomUUID(),
        token_hash: hashToken(token),
        staff_id: b.staffId ?? null,
        contact_id: b.contactId ?? null,
        label: b.label,
        expires_at: b.expiresAt ?? null,
      });
    res.status(201).json({ id: row.id, label: row.label, expiresAt: row.expires_at, token });
  });

  router.delete('/admin/credentials/:id', admin, async (req, res) => {
    const id = uuidFrom(req.params.id, 'credential');
    const n = await db('api_credentials').where({ id }).whereNull('revoked_at').update({ revoked_at: db.fn.now() });
    if (n === 0) throw notFound('no such active credential');
    res.status(204).end();
  });

  return router;
}
