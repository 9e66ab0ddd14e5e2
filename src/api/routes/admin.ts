import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { Router, type Request } from 'express';
import { dispatchWorkflow } from '../../workflows';
import type { TokenCache } from '../token-cache';
import type { Db } from '../../db/knex';
import { actorOf, requireRole } from '../auth';
import { badRequest, conflict, forbidden, notFound, unprocessable } from '../errors';
import { clientDetails, clientExists, clientsOf, insertClient, insertContact, insertSubscription } from '../../stores/clients';
import { issueCredential, listCredentials, revokeCredential } from '../../stores/credentials';
import { ensurePrefix, prefixTaken } from '../../stores/request-keys';
import { activeAdmins, insertStaff, isManager, listStaff, specialistSeniority, staffById, updateStaff, type StaffRow } from '../../stores/people';
import { adminChanges, recordAdminChange } from '../../stores/admin-audit';
import { policyExists } from '../../stores/policies';
import { adminAuditQuery, createClientBody, createContactBody, createCredentialBody, createStaffBody, createSubscriptionBody, updateStaffBody, uuidFrom } from '../schemas';

/** The tokens this process keeps are forgotten at once after a change to who holds one. */
function forgetTokens(req: Request): void {
  (req.app.locals.tokens as TokenCache | undefined)?.forget();
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

  const audit = (req: Request, action: string, targetId: string, detail: object, reason?: string) => recordAdminChange(db, actorOf(req), action, targetId, detail, reason);

  const clientParam = async (raw: unknown): Promise<string> => {
    const id = uuidFrom(raw, 'client');
    if (!(await clientExists(db, id))) throw notFound('no such client');
    return id;
  };

  /** R10: a junior's mentor is a senior specialist. */
  const mustBeSenior = async (mentorId: string) => {
    if ((await specialistSeniority(db, mentorId)) !== 'senior') throw unprocessable('a mentor must be a senior specialist on staff');
  };
  const dispatch = () => temporal.workflow.start(dispatchWorkflow, { workflowId: `dispatch-${randomUUID()}`, taskQueue });

  /** Admins manage people; the head may bring in an outside specialist when all hands are busy (R8, R9). */
  router.post('/admin/staff', requireRole('admin', 'head'), async (req, res) => {
    const b = createStaffBody.parse(req.body);
    if (actorOf(req).role === 'head' && b.role !== 'specialist') throw forbidden('the head adds specialists; other staff are added by an admin');
    if (b.mentorId) await mustBeSenior(b.mentorId);
    const row = await insertStaff(db, {
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
    const before = await staffById(db, id);
    if (!before) throw notFound('no such person');
    // Least privilege: the head manages specialists; managers, heads and admins are an admin's to change.
    if (actor.role === 'head' && before.role !== 'specialist') throw forbidden('the head manages specialists; other staff are changed by an admin');
    const specialistOnly = (['skills', 'weeklyCapacityHours', 'mentorId', 'seniority'] as const).filter((k) => b[k] !== undefined);
    if (before.role !== 'specialist' && specialistOnly.length > 0) throw badRequest(`${specialistOnly.join(', ')}: only a specialist has these`);
    if (b.active === false && before.active) {
      if (id === actor.id) throw conflict('nobody deactivates themselves; ask another administrator');
      if (before.role === 'admin') {
        if ((await activeAdmins(db)) <= 1) throw conflict('this is the last active administrator; add another first');
      }
    }
    if (b.mentorId) await mustBeSenior(b.mentorId);
    const { reason, ...asked } = b;
    const row = await updateStaff(
      db,
      id,
      {
        ...(b.skills !== undefined ? { skills: b.skills } : {}),
        ...(b.weeklyCapacityHours !== undefined ? { weekly_capacity_hours: b.weeklyCapacityHours } : {}),
        ...(b.mentorId !== undefined ? { mentor_id: b.mentorId } : {}),
        ...(b.active !== undefined ? { active: b.active } : {}),
        ...(b.seniority !== undefined ? { seniority: b.seniority } : {}),
      },
      { actor, detail: { change: asked, before: staffView(before) }, reason },
    );
    // This process stops honouring a deactivated person's tokens now; the others when PostgreSQL tells them.
    forgetTokens(req);
    if (row === 'lastAdmin') throw conflict('this is the last active administrator; add another first');
    if (row.role === 'specialist') await dispatch();
    res.json(staffView(row));
  });

  /** The administrative audit trail, newest first: admins and the head. */
  router.get('/admin/audit', requireRole('admin', 'head'), async (req, res) => {
    const q = adminAuditQuery.parse(req.query);
    const items = await adminChanges(db, q);
    res.json({ items, nextBefore: items.length === q.limit ? (items.at(-1)?.id ?? null) : null });
  });

  router.get('/admin/staff', requireRole('admin', 'head', 'manager'), async (_req, res) => {
    const rows = await listStaff(db);
    res.json({ items: rows.map(staffView) });
  });

  router.post('/admin/clients', admin, async (req, res) => {
    const b = createClientBody.parse(req.body);
    if (b.accountManagerId && !(await isManager(db, b.accountManagerId))) {
      throw unprocessable('the account manager must be a manager on staff');
    }
    if (b.keyPrefix && (await prefixTaken(db, b.keyPrefix))) throw conflict(`the key prefix ${b.keyPrefix} belongs to another client`);
    const row = await insertClient(db, b);
    // What its request keys start with (ACME-42): as asked, or chosen from the name.
    const keyPrefix = await ensurePrefix(db, row.id, b.keyPrefix);
    await audit(req, 'client.create', row.id, { name: row.name, accountManagerId: row.account_manager_id, keyPrefix });
    res.status(201).location(`/admin/clients/${row.id}`).json({ id: row.id, name: row.name, accountManagerId: row.account_manager_id, keyPrefix });
  });

  router.get('/clients', requireRole('admin', 'head', 'manager'), async (req, res) => {
    const rows = await clientsOf(db, actorOf(req));
    res.json({ items: rows.map((r) => ({ id: r.id, name: r.name, accountManagerId: r.account_manager_id, keyPrefix: r.key_prefix })) });
  });

  /** A client with its subscriptions and contacts (whether each has set a password). */
  router.get('/admin/clients/:id', requireRole('admin', 'head'), async (req, res) => {
    const details = await clientDetails(db, uuidFrom(req.params.id, 'client'));
    if (!details) throw notFound('no such client');
    res.json(details);
  });

  router.post('/admin/clients/:id/subscriptions', admin, async (req, res) => {
    const clientId = await clientParam(req.params.id);
    const b = createSubscriptionBody.parse(req.body);
    if (b.policyId && !(await policyExists(db, b.policyId))) throw unprocessable(`no policy ${b.policyId}`);
    const row = await insertSubscription(db, clientId, b);
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
      policyId: row.policy_id,
    });
  });

  router.post('/admin/clients/:id/contacts', admin, async (req, res) => {
    const clientId = await clientParam(req.params.id);
    const b = createContactBody.parse(req.body);
    const row = await insertContact(db, clientId, { name: b.name, email: b.email.toLowerCase() });
    await audit(req, 'contact.create', row.id, { clientId, name: row.name, email: row.email });
    res.status(201).json({ id: row.id, clientId, name: row.name, email: row.email });
  });

  /** The token is shown once, in this answer; only its hash is stored. */
  router.post('/admin/credentials', admin, async (req, res) => {
    const b = createCredentialBody.parse(req.body);
    const row = await issueCredential(db, b);
    await audit(req, 'credential.issue', row.id, { staffId: b.staffId ?? null, contactId: b.contactId ?? null, label: b.label, expiresAt: b.expiresAt ?? null });
    res.status(201).json({ id: row.id, label: row.label, expiresAt: row.expires_at, token: row.token });
  });

  /** The tokens issued (never the tokens themselves): whose, what for, until when, revoked. */
  router.get('/admin/credentials', admin, async (_req, res) => {
    res.json({ items: await listCredentials(db) });
  });

  router.delete('/admin/credentials/:id', admin, async (req, res) => {
    const id = uuidFrom(req.params.id, 'credential');
    if (!(await revokeCredential(db, id))) throw notFound('no such active credential');
    forgetTokens(req);
    await audit(req, 'credential.revoke', id, {});
    res.status(204).end();
  });

  return router;
}
