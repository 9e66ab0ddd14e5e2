import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { Router, type Request } from 'express';
import { dispatchWorkflow } from '../../workflows';
import type { Db } from '../../db/knex';
import { actorOf, hashToken, newToken, requireRole } from '../auth';
import { badRequest, conflict, forbidden, notFound, unprocessable } from '../errors';
import { clientsVisibleTo } from '../visibility';
import { recordAdminChange } from '../audit';
import { adminAuditQuery, createClientBody, createContactBody, createCredentialBody, createStaffBody, createSubscriptionBody, updateStaffBody, uuidFrom } from '../schemas';

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

  const audit = (req: Request, action: string, targetId: string, detail: object, reason?: string) => recordAdminChange(db, req, action, targetId, detail, reason);

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
    await audit(req, 'staff.create', row.id, staffView(row));
    // R8, R9: a new specialist is new capacity: waiting tasks with their skills take it at once.
    if (row.role === 'specialist') await dispatch();
    res.status(201).location(`/admin/staff/${row.id}`).json(staffView(row));
  });

  /** Skills, capacity, mentor, leaving: a change that adds capacity lets waiting tasks take it. */
  router.patch('/admin/staff/:id', requireRole('admin', 'head'), async (req, res) => {
    const actor = actorOf(req);
    const id = uuidFrom(req.params.id, 'person');
    const b = updateStaffBody.parse(req.body);
    const before = await db<StaffRow>('staff').where({ id }).first();
    if (!before) throw notFound('no such person');
    // Least privilege: the head manages specialists; managers, heads and admins are an admin's to change.
    if (actor.role === 'head' && before.role !== 'specialist') throw forbidden('the head manages specialists; other staff are changed by an admin');
    const specialistOnly = (['skills', 'weeklyCapacityHours', 'mentorId', 'seniority'] as const).filter((k) => b[k] !== undefined);
    if (before.role !== 'specialist' && specialistOnly.length > 0) throw badRequest(`${specialistOnly.join(', ')}: only a specialist has these`);
    if (b.active === false && before.active) {
      if (id === actor.id) throw conflict('nobody deactivates themselves; ask another administrator');
      if (before.role === 'admin') {
        const admins = await db('staff').where({ role: 'admin', active: true }).count<{ n: string }[]>('* as n');
        if (Number(admins[0]?.n ?? 0) <= 1) throw conflict('this is the last active administrator; add another first');
      }
    }
    if (b.mentorId) await mustBeSenior(b.mentorId);
    const row = await db.transaction(async (trx) => {
      if (before.role === 'admin' && b.active === false) {
        // Every active administrator locked: two deactivating each other at once cannot both pass.
        const active: { id: string }[] = await trx('staff').where({ role: 'admin', active: true }).forUpdate().select('id');
        if (!active.some((a) => a.id !== id)) throw conflict('this is the last active administrator; add another first');
      }
      const [updated] = (await trx('staff')
        .where({ id })
        .update({
          ...(b.skills !== undefined ? { skills: b.skills } : {}),
          ...(b.weeklyCapacityHours !== undefined ? { weekly_capacity_hours: b.weeklyCapacityHours } : {}),
          ...(b.mentorId !== undefined ? { mentor_id: b.mentorId } : {}),
          ...(b.active !== undefined ? { active: b.active } : {}),
          ...(b.seniority !== undefined ? { seniority: b.seniority } : {}),
        })
        .returning('*')) as StaffRow[];
      const { reason, ...change } = b;
      await recordAdminChange(trx, req, 'staff.update', id, { change, before: staffView(before) }, reason);
      return updated!;
    });
    if (row.role === 'specialist') await dispatch();
    res.json(staffView(row));
  });

  /** The administrative audit trail, newest first: admins and the head. */
  router.get('/admin/audit', requireRole('admin', 'head'), async (req, res) => {
    const q = adminAuditQuery.parse(req.query);
    let query = db('admin_audit').orderBy('id', 'desc').limit(q.limit);
    if (q.targetId) query = query.where('target_id', q.targetId);
    if (q.before) query = query.where('id', '<', q.before);
    const rows = (await query) as { id: string; at: Date; actor_id: string; actor_role: string; action: string; target_id: string; detail: object; reason: string | null }[];
    res.json({
      items: rows.map((r) => ({ id: Number(r.id), at: r.at.toISOString(), actorId: r.actor_id, actorRole: r.actor_role, action: r.action, targetId: r.target_id, detail: r.detail, reason: r.reason })),
      nextBefore: rows.length === q.limit ? Number(rows.at(-1)?.id) : null,
    });
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
    await audit(req, 'client.create', row.id, { name: row.name, accountManagerId: row.account_manager_id });
    res.status(201).location(`/admin/clients/${row.id}`).json({ id: row.id, name: row.name, accountManagerId: row.account_manager_id });
  });

  router.get('/clients', requireRole('admin', 'head', 'manager'), async (req, res) => {
    const rows = (await clientsVisibleTo(db, actorOf(req), db('clients').select('id', 'name', 'account_manager_id').orderBy('name'))) as ClientRow[];
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
    await audit(req, 'subscription.create', clientId, { subscriptionId: row.id, ...b });
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
    await audit(req, 'contact.create', row.id, { clientId, name: row.name, email: row.email });
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
    await audit(req, 'credential.issue', row.id, { staffId: b.staffId ?? null, contactId: b.contactId ?? null, label: b.label, expiresAt: b.expiresAt ?? null });
    res.status(201).json({ id: row.id, label: row.label, expiresAt: row.expires_at, token });
  });

  router.delete('/admin/credentials/:id', admin, async (req, res) => {
    const id = uuidFrom(req.params.id, 'credential');
    const n = await db('api_credentials').where({ id }).whereNull('revoked_at').update({ revoked_at: db.fn.now() });
    if (n === 0) throw notFound('no such active credential');
    await audit(req, 'credential.revoke', id, {});
    res.status(204).end();
  });

  return router;
}
