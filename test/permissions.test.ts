// The rules and permissions as written, through the API: approval before work (R14), mentor
// first (R10), least privilege, billing that explains itself, texts true to what happened.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/api/app';
import { hashToken, newToken } from '../src/api/auth';
import { createDb, migrateLatest, type Db } from '../src/db/knex';
import type { RequestState, TaskBilling } from '../src/domain';
import { createLogger } from '../src/observability';
import { eventually, openCompany, type Flow } from './support/flow';
import { type Company, type Harness, type Person } from './support/harness';
import supertest from 'supertest';
import { inject } from 'vitest';

let h: Harness;
let co: Company;
let f: Flow;
/** A manager of nothing this company owns. */
let stranger: Person;

beforeAll(async () => {
  ({ h, co, f } = await openCompany());
  const tag = randomUUID().slice(0, 8);
  const made = await h.post('/admin/staff', co.admin.token, { name: 'Other manager', email: `other-${tag}@test.example`, role: 'manager' });
  const cred = await h.post('/admin/credentials', co.admin.token, { staffId: made.body.id, label: 't' });
  stranger = { id: made.body.id as string, token: cred.body.token as string };
});
afterAll(async () => {
  await h.close();
});

const month = () => new Date().toISOString().slice(0, 7);
type View = RequestState & { billing?: { tasks: TaskBilling[] } };

describe('R14 work starts only after the client approves', () => {
  it('R14 execution time before approval is refused (409) and changes nothing; estimation time is fine; after approval execution is logged', async () => {
    const id = await f.decomposed();
    await f.act(`/requests/${id}/tasks/T1/estimate`, co.backendSenior, { hours: 4, complexity: 'low' });
    const refused = await h.post(`/requests/${id}/time`, co.backendSenior.token, { taskId: 'T1', minutes: 1, category: 'execution' });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/approves its estimate/);
    expect(await f.entries(id)).toHaveLength(0);
    await f.act(`/requests/${id}/time`, co.backendSenior, { taskId: 'T1', minutes: 20, category: 'estimation' });
    await f.act(`/requests/${id}/approve`, co.client, { acceptOverage: true });
    await f.act(`/requests/${id}/time`, co.backendSenior, { taskId: 'T1', minutes: 60, category: 'execution' });
    expect((await f.entries(id)).map((e) => e.category)).toEqual(['estimation', 'execution']);
  });

  it('a specialist logs time only on their own tasks (403 on a colleague’s)', async () => {
    const id = await f.decomposed([
      { title: 'Backend', skill: co.skills.backend, assigneeId: co.backendSenior.id },
      { title: 'Frontend', skill: co.skills.frontend, assigneeId: co.frontendSenior.id },
    ]);
    await f.act(`/requests/${id}/tasks/T1/estimate`, co.backendSenior, { hours: 2, complexity: 'low' });
    await f.act(`/requests/${id}/tasks/T2/estimate`, co.frontendSenior, { hours: 2, complexity: 'low' });
    await f.act(`/requests/${id}/approve`, co.client, { acceptOverage: true });
    const other = await h.post(`/requests/${id}/time`, co.frontendSenior.token, { taskId: 'T1', minutes: 600, category: 'execution' });
    expect(other.status).toBe(403);
    await f.act(`/requests/${id}/time`, co.frontendSenior, { taskId: 'T2', minutes: 30, category: 'execution' });
    expect((await f.entries(id)).map((e) => [e.taskId, e.personId])).toEqual([['T2', co.frontendSenior.id]]);
  });
});

describe('R10 the mentor sees a junior’s work first', () => {
  it('R10 a junior’s estimate and result reach the manager and the client only after the senior mentor has checked them', async () => {
    const id = await f.decomposed([{ title: 'Fix', skill: co.skills.backend, assigneeId: co.backendJunior.id }]);
    await f.act(`/requests/${id}/tasks/T1/estimate`, co.backendJunior, { hours: 5, complexity: 'medium' });
    const seen = async (who: Person) => ((await h.get(`/requests/${id}`, who.token)).body as View).tasks[0]!;
    const timelineOf = async (who: Person) => ((await h.get(`/requests/${id}/timeline`, who.token)).body.items as { type: string }[]).map((i) => i.type);
    // Pending the mentor: nobody but the junior and the mentor sees the hours.
    expect(await seen(co.client)).not.toHaveProperty('estimateHours');
    expect(await seen(co.manager)).not.toHaveProperty('estimateHours');
    expect(await seen(co.head)).not.toHaveProperty('estimateHours');
    expect(await timelineOf(co.manager)).not.toContain('estimate');
    expect(await seen(co.backendSenior)).toMatchObject({ estimateHours: 5 });
    expect(await seen(co.backendJunior)).toMatchObject({ estimateHours: 5 });
    expect(await timelineOf(co.backendSenior)).toContain('estimate');

    await f.act(`/requests/${id}/tasks/T1/estimate-review`, co.backendSenior, { verdict: 'approve' });
    expect(await seen(co.manager)).toMatchObject({ estimateHours: 5 });
    expect(await timelineOf(co.manager)).toContain('estimate');
    expect((await seen(co.client)).estimateHours).toBeGreaterThan(5);
    await f.act(`/requests/${id}/approve`, co.client, { acceptOverage: true });

    await f.act(`/requests/${id}/tasks/T1/complete`, co.backendJunior, { result: 'Rewrote the query.' });
    expect(await seen(co.client)).not.toHaveProperty('result');
    expect(await seen(co.manager)).not.toHaveProperty('result');
    expect(await seen(co.backendSenior)).toMatchObject({ result: 'Rewrote the query.' });
    await f.act(`/requests/${id}/tasks/T1/result-review`, co.backendSenior, { verdict: 'approve' });
    expect(await seen(co.manager)).toMatchObject({ result: 'Rewrote the query.' });
    // The client reads it once the manager has passed it on.
    expect(await seen(co.client)).not.toHaveProperty('result');
    await f.act(`/requests/${id}/accept-result`, co.manager);
    expect(await seen(co.client)).toMatchObject({ result: 'Rewrote the query.' });
  });
});

describe('billing is for those who manage the client', () => {
  it("a manager of another client gets 404 on the client's statements and months, cannot file for it, and does not see it listed", async () => {
    const id = await f.executing(2);
    await f.act(`/requests/${id}/time`, co.backendSenior, { taskId: 'T1', minutes: 60, category: 'execution' });
    for (const path of [`/clients/${co.clientId}/statements/${month()}`, `/clients/${co.clientId}/months/${month()}`, `/clients/${co.clientId}/statements/${month()}?format=csv`]) {
      const res = await h.get(path, stranger.token);
      expect(res.status, path).toBe(404);
      expect(JSON.stringify(res.body)).not.toMatch(/Slow report|northwind|billable/i);
      expect((await h.get(path, co.manager.token)).status, path).toBe(200);
      expect((await h.get(path, co.head.token)).status, path).toBe(200);
    }
    const filed = await h.post('/requests', stranger.token, { title: 'Sneaky', description: 'd', clientId: co.clientId });
    expect(filed.status).toBe(422);
    expect((await h.get(`/requests/${id}`, stranger.token)).status).toBe(404);
    const clients = (await h.get('/clients', stranger.token)).body.items as { id: string }[];
    expect(clients.map((c) => c.id)).not.toContain(co.clientId);
    expect(((await h.get('/clients', co.manager.token)).body.items as { id: string }[]).map((c) => c.id)).toContain(co.clientId);
  });
});

describe('least privilege in administration', () => {
  it('the head changes specialists only, never an admin or a manager; nobody deactivates themselves; every change is audited with who and why', async () => {
    const lockOut = await h.http.patch(`/admin/staff/${co.admin.id}`).set('Authorization', `Bearer ${co.head.token}`).send({ active: false });
    expect(lockOut.status).toBe(403);
    expect((await h.get('/me', co.admin.token)).status).toBe(200);
    const managerSkills = await h.http.patch(`/admin/staff/${co.manager.id}`).set('Authorization', `Bearer ${co.head.token}`).send({ skills: ['backend'] });
    expect(managerSkills.status).toBe(403);
    const bySelf = await h.http.patch(`/admin/staff/${co.admin.id}`).set('Authorization', `Bearer ${co.admin.token}`).send({ active: false });
    expect(bySelf.status).toBe(409);
    const adminSkills = await h.http.patch(`/admin/staff/${co.manager.id}`).set('Authorization', `Bearer ${co.admin.token}`).send({ seniority: 'senior' });
    expect(adminSkills.status).toBe(400);

    const changed = await h.http
      .patch(`/admin/staff/${co.backendJunior.id}`)
      .set('Authorization', `Bearer ${co.head.token}`)
      .send({ weeklyCapacityHours: 30, reason: 'works four days from December' });
    expect(changed.status).toBe(200);
    const trail = await h.get(`/admin/audit?targetId=${co.backendJunior.id}`, co.admin.token);
    expect(trail.body.items[0]).toMatchObject({ actorId: co.head.id, actorRole: 'head', action: 'staff.update', reason: 'works four days from December', detail: { change: { weeklyCapacityHours: 30 } } });
    expect((await h.get(`/admin/audit?targetId=${co.backendJunior.id}`, co.manager.token)).status).toBe(403);
  });

  it('two administrators deactivating each other at once: one wins, one is refused, an active administrator remains', async () => {
    // A database of its own: the rule is about every administrator there is.
    const name = `admins_${randomUUID().replaceAll('-', '')}`;
    await h.db.raw(`create database ${name}`);
    const url = new URL(inject('databaseUrl'));
    url.pathname = `/${name}`;
    const db: Db = createDb(url.toString(), { min: 0, max: 4 });
    let closeApp = async (): Promise<void> => {};
    try {
      await migrateLatest(db);
      const admins = await Promise.all(
        ['a', 'b'].map(async (n) => {
          const id = randomUUID();
          const token = newToken();
          await db('staff').insert({ id, name: `Admin ${n}`, email: `${n}@admins.example`, role: 'admin' });
          await db('api_credentials').insert({ id: randomUUID(), token_hash: hashToken(token), staff_id: id, label: 't' });
          return { id, token };
        }),
      );
      const made = createApp({ db, temporal: h.temporal, logger: createLogger('warn') });
      closeApp = made.locals.close as () => Promise<void>;
      const app = supertest(made);
      const [a, b] = admins as [Person, Person];
      const answers = await Promise.all([
        app.patch(`/admin/staff/${b.id}`).set('Authorization', `Bearer ${a.token}`).send({ active: false }),
        app.patch(`/admin/staff/${a.id}`).set('Authorization', `Bearer ${b.token}`).send({ active: false }),
      ]);
      expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(await db('staff').where({ role: 'admin', active: true })).toHaveLength(1);
    } finally {
      await closeApp();
      await db.destroy();
      await h.db.raw(`drop database ${name} with (force)`);
    }
  });
});

describe('billing explains itself', () => {
  it('per-task billing in the staff view and the statement: budget, actual, billable, non-billable with causes; utilisation counts as the statement bills', async () => {
    const id = await f.decomposed([{ title: 'Fix', skill: co.skills.backend, assigneeId: co.backendJunior.id }]);
    await f.act(`/requests/${id}/tasks/T1/estimate`, co.backendJunior, { hours: 4, complexity: 'low' });
    await f.act(`/requests/${id}/tasks/T1/estimate-review`, co.backendSenior, { verdict: 'approve' });
    await f.act(`/requests/${id}/approve`, co.client, { acceptOverage: true });
    const approved = (await f.state(id)).tasks[0]!.approvedHours!;
    await f.act(`/requests/${id}/time`, co.backendJunior, { taskId: 'T1', minutes: Math.round(approved * 60) + 120, category: 'execution' });
    await f.act(`/requests/${id}/time`, co.backendSenior, { taskId: 'T1', minutes: 30, category: 'mentoring' });
    const staffView = (await h.get(`/requests/${id}`, co.manager.token)).body as View;
    expect(staffView.billing?.tasks[0]).toMatchObject({ taskId: 'T1', budgetHours: approved, billableHours: approved, overrunHours: 2, nonBillable: { 'overrun: over_budget': 2, 'mentor review is internal': 0.5 } });
    expect((await h.get(`/requests/${id}`, co.client.token)).body).not.toHaveProperty('billing');

    await f.act(`/requests/${id}/tasks/T1/complete`, co.backendJunior, { result: 'ok' });
    await f.act(`/requests/${id}/tasks/T1/result-review`, co.backendSenior, { verdict: 'approve' });
    await f.act(`/requests/${id}/accept-result`, co.manager);
    await f.act(`/requests/${id}/confirm-closure`, co.client);
    const statement = await eventually(
      async () => (await h.get(`/clients/${co.clientId}/statements/${month()}`, co.manager.token)).body as { requests: { requestId: string; tasks?: TaskBilling[] }[] },
      (s) => s.requests.some((r) => r.requestId === id),
      'the statement',
    );
    const line = statement.requests.find((r) => r.requestId === id)!;
    expect(line.tasks?.[0]).toMatchObject({ taskId: 'T1', budgetHours: approved, billableHours: approved, nonBillable: { 'overrun: over_budget': 2 } });
    const mine = (await h.get(`/clients/${co.clientId}/statements/${month()}`, co.client.token)).body as { requests: object[] };
    expect(mine.requests.every((r) => !('tasks' in r))).toBe(true);

    const utilisation = (await h.get(`/reports/utilisation?month=${month()}`, co.manager.token)).body.items as { specialistId: string; billableHours: number; loggedHours: number }[];
    const junior = utilisation.find((u) => u.specialistId === co.backendJunior.id)!;
    expect(junior.loggedHours).toBe(approved + 2);
    expect(junior.billableHours).toBe(approved);
  });
});

describe('texts true to what happened', () => {
  it("the client's timeline: overage only when there was one, a new deadline in the client's time zone, one delivery per pass to the client, rework shown as such", async () => {
    const id = await f.executing(2);
    await f.act(`/requests/${id}/tasks/T1/deadline-proposal`, co.manager, { newDeadline: '2030-06-03T15:00:00Z', cause: 'client_side', note: 'We wait for your export.' });
    await f.act(`/requests/${id}/tasks/T1/complete`, co.backendSenior, { result: 'first' });
    const back = await h.post(`/requests/${id}/rework`, co.manager.token, { reason: 'Totals still double.' });
    expect(back.status).toBe(202);
    await eventually(() => f.state(id), (s) => s.stage === 'Execution', 'rework');
    await f.act(`/requests/${id}/tasks/T1/complete`, co.backendSenior, { result: 'second' });
    await f.act(`/requests/${id}/accept-result`, co.manager);
    await h.post(`/requests/${id}/rework`, co.client.token, { reason: 'Please add the returns column.' });
    await eventually(() => f.state(id), (s) => s.stage === 'Execution', 'client rework');
    await f.act(`/requests/${id}/tasks/T1/complete`, co.backendSenior, { result: 'third' });
    await f.act(`/requests/${id}/accept-result`, co.manager);
    const texts = ((await h.get(`/requests/${id}/timeline`, co.client.token)).body.items as { text: string }[]).map((i) => i.text);
    expect(texts).toContain('Estimate approved; work started.');
    expect(texts.join('\n')).not.toMatch(/overage|over this month/);
    expect(texts).toContain('New deadline proposed for T1: 3 Jun 2030, 17:00 (Europe/Berlin). We wait for your export.');
    expect(texts.join('\n')).not.toMatch(/2030-06-03T15/);
    expect(texts.join('\n')).not.toMatch(/delivered|Totals still double/);
    const ready = texts.flatMap((t, i) => (t.startsWith('The result passed internal review') ? [i] : []));
    const asked = texts.indexOf('You asked for changes: Please add the returns column.');
    expect(ready).toHaveLength(2);
    expect(ready[0]!).toBeLessThan(asked);
    expect(asked).toBeLessThan(ready[1]!);
  });

  it('a blocker escalation closes with its request', async () => {
    const id = await f.executing(2);
    await f.act(`/requests/${id}/tasks/T1/blocker`, co.backendSenior, { description: 'No access.' });
    expect((await h.db('escalations').where({ request_id: id, kind: 'blocker' }).first()).resolved_at).toBeNull();
    await f.act(`/requests/${id}/cancel`, co.client, { reason: 'not needed any more' });
    await eventually(async () => (await h.db('escalations').where({ request_id: id, kind: 'blocker' }).first()).resolved_at as Date | null, (r) => r !== null, 'the escalation resolved');
    const open = (await h.get('/escalations?state=open', co.manager.token)).body.items as { requestId: string }[];
    expect(open.map((e) => e.requestId)).not.toContain(id);
  });

  it('a linked request answers at once after it is opened (read-your-writes)', async () => {
    const id = await f.executing(2);
    const opened = await f.act(`/requests/${id}/linked-requests`, co.manager, { title: 'Out of scope', description: 'A new export format.' });
    const linked = opened.linked.at(-1)!;
    const res = await h.get(`/requests/${linked}`, co.manager.token);
    expect(res.status).toBe(200);
    expect(res.body.linkedFrom).toBe(id);
  });
});
