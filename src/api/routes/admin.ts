import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import type { Db } from '../../db/knex';
import { hashToken, newToken, requireRole } from '../auth';
import { notFound, unprocessable } from '../errors';
import { createClientBody, createContactBody, createCredentialBody, createStaffBody, createSubscriptionBody, uuidParam } from '../schemas';

function staffView(r: Record<string, unknown>) {
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

export function adminRouter({ db }: { db: Db }): Router {
  const router = Router();
  const admin = requireRole('admin');

  const clientParam = async (raw: unknown): Promise<string> => {
    const id = uuidParam.safeParse(raw);
    if (!id.success || !(await db('clients').where({ id: id.data }).first('id'))) throw notFound('no such client');
    return id.data;
  };

  router.post('/admin/staff', admin, async (req, res) => {
    const b = createStaffBody.parse(req.body);
    if (b.mentorId) {
      const mentor = await db('staff').where({ id: b.mentorId }).first<{ seniority: string | null } | undefined>('seniority');
      if (mentor?.seniority !== 'senior') throw unprocessable('a mentor must be a senior specialist on staff');
    }
    const [row] = await db('staff')
      .insert({
        id: randomUUID(),
        name: b.name,
        email: b.email.toLowerCase(),
        role: b.role,
        seniority: b.seniority ?? null,
        skills: b.skills,
        weekly_capacity_hours: b.weeklyCapacityHours,
        mentor_id: b.mentorId ?? null,
        timezone: b.timezone,
      })
      .returning('*');
    res.status(201).location(`/admin/staff/${String(row.id)}`).json(staffView(row as Record<string, unknown>));
  });

  router.get('/admin/staff', requireRole('admin', 'head', 'manager'), async (_req, res) => {
    const rows = await db('staff').orderBy(['role', 'name']);
    res.json({ items: (rows as Record<string, unknown>[]).map(staffView) });
  });

  router.post('/admin/clients', admin, async (req, res) => {
    const b = createClientBody.parse(req.body);
    if (b.accountManagerId && !(await db('staff').where({ id: b.accountManagerId, role: 'manager' }).first('id'))) {
      throw unprocessable('the account manager must be a manager on staff');
    }
    const [row] = await db('clients')
      .insert({ id: randomUUID(), name: b.name, account_manager_id: b.accountManagerId ?? null })
      .returning(['id', 'name', 'account_manager_id']);
    res.status(201).location(`/admin/clients/${String(row.id)}`).json({ id: row.id, name: row.name, accountManagerId: row.account_manager_id });
  });

  router.get('/clients', requireRole('admin', 'head', 'manager'), async (_req, res) => {
    const rows = await db('clients').select('id', 'name', 'account_manager_id').orderBy('name');
    res.json({ items: rows.map((r: { id: string; name: string; account_manager_id: string | null }) => ({ id: r.id, name: r.name, accountManagerId: r.account_manager_id })) });
  });

  router.post('/admin/clients/:id/subscriptions', admin, async (req, res) => {
    const clientId = await clientParam(req.params.id);
    const b = createSubscriptionBody.parse(req.body);
    const [row] = await db('subscriptions')
      .insert({
        id: randomUUID(),
        client_id: clientId,
        monthly_hours: b.monthlyHours,
        timezone: b.timezone,
        starts_on: b.startsOn,
        ends_on: b.endsOn ?? null,
        rollover_unused: b.rolloverUnused,
        auto_close_after_days: b.autoCloseAfterDays ?? null,
      })
      .returning('*');
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
    const [row] = await db('client_contacts')
      .insert({ id: randomUUID(), client_id: clientId, name: b.name, email: b.email.toLowerCase() })
      .returning(['id', 'name', 'email']);
    res.status(201).json({ id: row.id, clientId, name: row.name, email: row.email });
  });

  /** The token is shown once, in this answer; only its hash is stored. */
  router.post('/admin/credentials', admin, async (req, res) => {
    const b = createCredentialBody.parse(req.body);
    const token = newToken();
    const [row] = await db('api_credentials')
      .insert({
        id: randomUUID(),
        token_hash: hashToken(token),
        staff_id: b.staffId ?? null,
        contact_id: b.contactId ?? null,
        label: b.label,
        expires_at: b.expiresAt ?? null,
      })
      .returning(['id', 'label', 'expires_at']);
    res.status(201).json({ id: row.id, label: row.label, expiresAt: row.expires_at, token });
  });

  router.delete('/admin/credentials/:id', admin, async (req, res) => {
    const id = uuidParam.safeParse(req.params.id);
    const n = id.success ? await db('api_credentials').where({ id: id.data }).whereNull('revoked_at').update({ revoked_at: db.fn.now() }) : 0;
    if (n === 0) throw notFound('no such active credential');
    res.status(204).end();
  });

  return router;
}
