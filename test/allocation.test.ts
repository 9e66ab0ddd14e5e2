// Staff, skills and load (R6–R9, R11, R12): assignment across requests on the real stack.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { allocate, candidates, release } from '../src/stores/allocation';
import { createDb } from '../src/db/knex';
import { PRIORITY_WEIGHT, chooseSpecialist, type Priority, type RequestState } from '../src/domain';
import { WORKLOAD_REVIEW_SCHEDULE } from '../src/worker/schedules';
import { Flow, eventually, openCompany } from './support/flow';
import { type Company, type Harness, type Person } from './support/harness';

let h: Harness;
let co: Company;
let f: Flow;

beforeAll(async () => {
  ({ h, co, f } = await openCompany());
});
afterAll(async () => h?.close());

const skill = () => `skill-${randomUUID().slice(0, 8)}`;

async function specialist(name: string, skillCode: string, weeklyCapacityHours = 40, seniority = 'middle'): Promise<Person> {
  const res = await h.post('/admin/staff', co.admin.token, {
    name,
    email: `${name}-${randomUUID().slice(0, 8)}@test.example`,
    role: 'specialist',
    seniority,
    skills: [skillCode],
    weeklyCapacityHours,
  });
  expect(res.status).toBe(201);
  const cred = await h.post('/admin/credentials', co.admin.token, { staffId: res.body.id, label: 'test' });
  return { id: res.body.id as string, token: cred.body.token as string };
}

/** A request with one task of the skill, filed, delegated and decomposed; the allocation decides. */
async function requestWithTask(skillCode: string, priority: Priority = 'normal', assigneeId?: string): Promise<{ id: string; state: RequestState }> {
  const id = await f.file(`Work in ${skillCode}`, priority);
  await f.act(`/requests/${id}/triage`, co.manager, { decision: 'delegate' });
  const state = await f.act(`/requests/${id}/decompose`, co.manager, {
    brief: 'Do it.',
    tasks: [{ title: 'The task', skill: skillCode, ...(assigneeId ? { assigneeId } : {}) }],
  });
  return { id, state };
}

const escalationsOf = (id: string) => h.db('escalations').where({ request_id: id }).pluck('kind') as Promise<string[]>;

describe('assignment', () => {
  it('R6 a task goes to the specialist with the skill and the lowest load', async () => {
    const s = skill();
    const busy = await specialist('busy', s);
    const free = await specialist('free', s);
    const other = await specialist('other-skill', skill());
    await requestWithTask(s, 'normal', busy.id);
    const { state } = await requestWithTask(s);
    expect(state.tasks[0]?.assigneeId).toBe(free.id);
    expect(state.tasks[0]?.assigneeId).not.toBe(other.id);
    const ledger = await h.db('task_assignments').where({ status: 'assigned', skill: s }).select('assignee_id', 'hours');
    expect(ledger.map((r: { assignee_id: string }) => r.assignee_id).sort()).toEqual([busy.id, free.id].sort());
  });

  it('R7 a specialist declines with a reason; the task goes to the next one and never back', async () => {
    const s = skill();
    const first = await specialist('first', s);
    const second = await specialist('second', s);
    const { id, state } = await requestWithTask(s);
    const holder = state.tasks[0]?.assigneeId;
    const [a, b] = holder === first.id ? [first, second] : [second, first];
    expect((await h.post(`/requests/${id}/tasks/T1/decline`, a.token, {})).status).toBe(400);
    const moved = await f.act(`/requests/${id}/tasks/T1/decline`, a, { reason: 'Two critical tasks this week.' });
    expect(moved.tasks[0]).toMatchObject({ assigneeId: b.id, status: 'estimating', declinedBy: [a.id] });
    const waiting = await f.act(`/requests/${id}/tasks/T1/decline`, b, { reason: 'On call.' });
    expect(waiting.tasks[0]).toMatchObject({ status: 'waiting', waitingFor: 'capacity', declinedBy: [a.id, b.id] });
    expect(waiting.tasks[0]?.assigneeId).toBeUndefined();
    expect(await escalationsOf(id)).toContain('all_hands');
    // Neither gets it back, whatever the load; a newcomer does.
    const third = await specialist('third', s);
    const assigned = await eventually(() => f.state(id), (st) => st.tasks[0]?.status === 'estimating', 'the newcomer assigned');
    expect(assigned.tasks[0]?.assigneeId).toBe(third.id);
  });

  it('R8 with all hands busy the head is alerted, and freed capacity goes to the queued tasks critical first without anyone acting', async () => {
    const s = skill();
    await specialist('only', s, 4);
    const holding = await requestWithTask(s, 'normal');
    expect(holding.state.tasks[0]?.status).toBe('estimating');
    const normal = await requestWithTask(s, 'normal');
    const low = await requestWithTask(s, 'low');
    const critical = await requestWithTask(s, 'critical');
    for (const r of [normal, low, critical]) {
      expect(r.state.tasks[0]).toMatchObject({ status: 'waiting', waitingFor: 'capacity' });
      expect(await escalationsOf(r.id)).toEqual(['all_hands']);
    }
    const head = await h.get('/escalations', co.head.token);
    expect(head.body.items.filter((e: { requestId: string; kind: string }) => [normal.id, low.id, critical.id].includes(e.requestId) && e.kind === 'all_hands')).toHaveLength(3);
    const queue = (await h.get('/workload', co.manager.token)).body.skills.find((x: { skill: string }) => x.skill === s).queue;
    expect(queue.map((q: { requestId: string }) => q.requestId)).toEqual([critical.id, normal.id, low.id]);

    // Capacity frees: the holding request is cancelled. Nobody acts on the queue.
    await f.act(`/requests/${holding.id}/cancel`, co.client, { reason: 'not needed' });
    const got = await eventually(() => f.state(critical.id), (st) => st.tasks[0]?.status === 'estimating', 'the critical task assigned');
    expect(got.tasks[0]?.assigneeId).toBeDefined();
    expect((await f.state(normal.id)).tasks[0]?.status).toBe('waiting');
    await f.act(`/requests/${critical.id}/cancel`, co.client, { reason: 'fixed elsewhere' });
    await eventually(() => f.state(normal.id), (st) => st.tasks[0]?.status === 'estimating', 'the normal task assigned next');
    expect((await f.state(low.id)).tasks[0]?.status).toBe('waiting');
  });

  it('R8 the head assigns someone over capacity', async () => {
    const s = skill();
    const only = await specialist('only', s, 4);
    await requestWithTask(s);
    const { id } = await requestWithTask(s, 'high');
    const forced = await f.act(`/requests/${id}/tasks/T1/reassign`, co.head, { specialistId: only.id, reason: 'urgent; overtime agreed' });
    expect(forced.tasks[0]).toMatchObject({ assigneeId: only.id, status: 'estimating' });
    expect((await h.db('task_assignments').where({ request_id: id }).first()).over_capacity).toBe(true);
  });

  it('R9 nobody on staff has the skill: the head is alerted, and a qualified newcomer gets the task', async () => {
    const s = skill();
    const { id, state } = await requestWithTask(s);
    expect(state.tasks[0]).toMatchObject({ status: 'waiting', waitingFor: 'skill' });
    expect(await escalationsOf(id)).toEqual(['missing_skill']);
    const inbox = await h.get('/inbox?unread=true', co.head.token);
    expect(inbox.body.items.some((n: { requestId: string; kind: string }) => n.requestId === id && n.kind === 'escalation.missing_skill')).toBe(true);
    const hired = await specialist('hired', s);
    const assigned = await eventually(() => f.state(id), (st) => st.tasks[0]?.status === 'estimating', 'the hired specialist assigned');
    expect(assigned.tasks[0]?.assigneeId).toBe(hired.id);
  });

  it('R11 a specialist sees their own tasks most urgent first', async () => {
    const s = skill();
    const me = await specialist('me', s, 80);
    const low = await requestWithTask(s, 'low', me.id);
    const critical = await requestWithTask(s, 'critical', me.id);
    const normal = await requestWithTask(s, 'normal', me.id);
    const mine = await h.get('/me/tasks', me.token);
    expect(mine.body.items.map((t: { requestId: string }) => t.requestId)).toEqual([critical.id, normal.id, low.id]);
    expect(mine.body.items.map((t: { priority: string }) => t.priority)).toEqual(['critical', 'normal', 'low']);
  });

  it('R11 raising the priority of a waiting request lets it go first', async () => {
    const s = skill();
    await specialist('only', s, 4);
    const holding = await requestWithTask(s);
    const first = await requestWithTask(s, 'normal');
    const second = await requestWithTask(s, 'low');
    await f.act(`/requests/${second.id}/priority`, co.head, { priority: 'critical', reason: 'production down' });
    await f.act(`/requests/${holding.id}/cancel`, co.client, { reason: 'done' });
    await eventually(() => f.state(second.id), (st) => st.tasks[0]?.status === 'estimating', 'the raised request first');
    expect((await f.state(first.id)).tasks[0]?.status).toBe('waiting');
  });

  it('R9 the head brings in an outside specialist; an admin gives an existing one the skill; either takes the waiting task', async () => {
    const s = skill();
    const first = await requestWithTask(s);
    const second = await requestWithTask(s);
    expect(first.state.tasks[0]?.status).toBe('waiting');
    const manager = await h.post('/admin/staff', co.head.token, { name: 'M', email: `m-${randomUUID()}@test.example`, role: 'manager' });
    expect(manager.status).toBe(403);
    const outside = await h.post('/admin/staff', co.head.token, {
      name: 'Outside',
      email: `outside-${randomUUID()}@test.example`,
      role: 'specialist',
      seniority: 'senior',
      skills: [s],
      weeklyCapacityHours: 4,
    });
    expect(outside.status).toBe(201);
    await eventually(() => f.state(first.id), (st) => st.tasks[0]?.assigneeId === outside.body.id, 'the outside specialist assigned');
    expect((await f.state(second.id)).tasks[0]?.status).toBe('waiting');
    const taught = await h.http
      .patch(`/admin/staff/${co.frontendSenior.id}`)
      .set('Authorization', `Bearer ${co.admin.token}`)
      .send({ skills: [co.skills.frontend, s] });
    expect(taught.status).toBe(200);
    await eventually(() => f.state(second.id), (st) => st.tasks[0]?.assigneeId === co.frontendSenior.id, 'the newly skilled specialist assigned');
  });

  it('before an estimate a task weighs its expected complexity', async () => {
    const s = skill();
    await specialist('sized', s);
    const id = await f.file('Sized');
    await f.act(`/requests/${id}/triage`, co.manager, { decision: 'delegate' });
    await f.act(`/requests/${id}/decompose`, co.manager, { brief: 'b', tasks: [{ title: 'big', skill: s, complexity: 'high' }, { title: 'small', skill: s, complexity: 'low' }, { title: 'plain', skill: s }] });
    const hours = await h.db('task_assignments').where({ request_id: id }).orderBy('task_id').pluck('hours');
    expect(hours).toEqual([8, 2, 4]);
  });

  it('an absent specialist gets nothing', async () => {
    const s = skill();
    const away = await specialist('away', s);
    const here = await specialist('here', s);
    const today = new Date().toISOString().slice(0, 10);
    expect((await h.post(`/admin/staff/${away.id}/absences`, co.admin.token, { startsOn: today, endsOn: today, kind: 'sick' })).status).toBe(201);
    for (let i = 0; i < 2; i++) expect((await requestWithTask(s)).state.tasks[0]?.assigneeId).toBe(here.id);
  });
});

describe('workload review', () => {
  it('R12 the scheduled review reports idle specialists to the head and proposes a move that one call applies', async () => {
    const s = skill();
    const loaded = await specialist('loaded', s);
    const idle = await specialist('idle', s);
    const a = await requestWithTask(s, 'normal', loaded.id);
    const b = await requestWithTask(s, 'normal', loaded.id);
    const before = Number((await h.db('workload_reviews').max({ id: 'id' }).first())?.id ?? 0);
    await h.temporal.schedule.getHandle(WORKLOAD_REVIEW_SCHEDULE).trigger();
    const row = await eventually(
      () => h.db('workload_reviews').where('id', '>', before).orderBy('id').first() as Promise<{ report: { idle: { id: string }[]; proposals: { id: string; requestId: string; toId: string }[] } } | undefined>,
      (r) => r !== undefined,
      'a review from the schedule',
    );
    const proposal = row!.report.proposals.find((p) => p.toId === idle.id);
    expect(proposal).toBeDefined();
    const now = await h.post('/workload/review', co.head.token);
    expect(now.status).toBe(200);
    const applied = await h.post(`/workload/proposals/${proposal!.id}/apply`, co.head.token);
    expect(applied.status).toBe(200);
    expect((applied.body as RequestState).tasks[0]?.assigneeId).toBe(idle.id);
    expect((await h.post(`/workload/proposals/${proposal!.id}/apply`, co.head.token)).status).toBe(409);
    expect([a.id, b.id]).toContain(proposal!.requestId);

    // A proposal whose task has started meanwhile is refused by the workflow: 409, not an error.
    const started = await requestWithTask(s, 'normal', loaded.id);
    await f.act(`/requests/${started.id}/tasks/T1/estimate`, loaded, { hours: 1, complexity: 'low' });
    await f.act(`/requests/${started.id}/approve`, co.client, { acceptOverage: true });
    const stale = randomUUID();
    await h.db('reassignment_proposals').insert({ id: stale, request_id: started.id, task_id: 'T1', from_id: loaded.id, to_id: idle.id, reason: 'stale', created_at: new Date() });
    const refused = await h.post(`/workload/proposals/${stale}/apply`, co.head.token);
    expect(refused.status).toBe(409);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.body.detail).toContain('work has started');

    const third = await specialist('third', s);
    const report = (await h.post('/workload/review', co.head.token)).body as { idle: { id: string }[] };
    expect(report.idle.map((p) => p.id)).toContain(third.id);
    const inbox = await h.get('/inbox', co.head.token);
    expect(inbox.body.items.some((n: { kind: string; text: string }) => n.kind === 'workload.review' && n.text.includes('idle'))).toBe(true);
  });
});

describe('concurrency', () => {
  it('100 tasks allocated at once across 10 specialists never exceed a capacity, and the load stays even', { timeout: 120_000 }, async () => {
    const s = skill();
    const people: Person[] = [];
    for (let i = 0; i < 10; i++) people.push(await specialist(`c${i}`, s, 40));
    const db = createDb(inject('databaseUrl'), { min: 0, max: 20 });
    try {
      const requestId = randomUUID();
      const hours = Array.from({ length: 100 }, (_, i) => 2 + (i % 5)); // 2–6 h, 400 h in all
      const results = await Promise.all(
        hours.map((h, i) => allocate(db, { requestId, taskId: `T${i + 1}`, skill: s, priority: 'normal', hours: h })),
      );
      const held: { assignee_id: string; hours: number }[] = await db('task_assignments').where({ request_id: requestId, status: 'assigned' }).groupBy('assignee_id').select('assignee_id', db.raw('sum(hours)::float as hours'));
      expect(held).toHaveLength(10);
      for (const p of held) expect(p.hours).toBeLessThanOrEqual(40);
      const loads = held.map((p) => p.hours);
      expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(6);
      const assigned = results.filter((r) => r.status === 'assigned').length;
      const queued = results.filter((r) => r.status === 'queued').length;
      expect(assigned + queued).toBe(100);
      expect(loads.reduce((a, b) => a + b, 0)).toBe(
        hours.filter((_, i) => results[i]?.status === 'assigned').reduce((a, b) => a + b, 0),
      );
      // The load kept on each staff row (what the next choice reads) is the ledger's sum.
      const kept = await db('staff').whereIn('id', people.map((p) => p.id)).select('id', db.raw('load_hours::float as load'));
      for (const row of kept as { id: string; load: number }[]) expect(row.load).toBe(held.find((p) => p.assignee_id === row.id)?.hours ?? 0);
    } finally {
      await db.destroy();
    }
  });

  it('R6 the database orders candidates exactly as the domain chooses: load per hour of capacity, seniority fit, longest wait, id', async () => {
    const s = skill();
    const db = createDb(inject('databaseUrl'), { min: 0, max: 2 });
    try {
      const seniorities = ['middle', 'senior'] as const;
      for (let i = 0; i < 40; i++) {
        const p = await specialist(`o${i}`, s, [8, 20, 40, 40][i % 4], seniorities[i % 2]);
        // Loads drawn from a few values, so ties are common and the tie-breaks decide.
        await db('staff')
          .where({ id: p.id })
          .update({
            load_hours: [0, 10, 10, 30][(i * 7) % 4],
            weighted_load_hours: [0, 10, 12.5, 30][(i * 7) % 4],
            last_assigned_at: i % 5 === 0 ? null : new Date(Date.UTC(2026, 10, 1 + (i % 3))),
          });
      }
      const today = new Date().toISOString().slice(0, 10);
      const everyone = await candidates(db, s, today);
      for (const priority of ['critical', 'high', 'normal', 'low'] as const) {
        for (const hours of [2, 15, 35]) {
          const ordered = await candidates(db, s, today, { best: { hours, priority, exclude: [], limit: 100 } });
          // Every one the domain would consider, in the order it would take them.
          const expected: string[] = [];
          let rest = everyone;
          for (let pick = chooseSpecialist(rest, hours, priority); pick; pick = chooseSpecialist(rest, hours, priority)) {
            expected.push(pick.id);
            rest = rest.filter((c) => c.id !== pick.id);
          }
          expect(ordered.map((c) => c.id), `${priority}, ${hours} h`).toEqual(expected);
        }
      }
    } finally {
      await db.destroy();
    }
  });

  it('the load kept on staff rows follows every change of the ledger, weighted as R11 weighs priorities', async () => {
    const s = skill();
    const [a, b] = [await specialist('w1', s, 40), await specialist('w2', s, 40)];
    const db = createDb(inject('databaseUrl'), { min: 0, max: 2 });
    try {
      const load = async (p: Person) =>
        (await db('staff').where({ id: p.id }).first<{ hours: number; weighted: number }>(db.raw('load_hours::float as hours'), db.raw('weighted_load_hours::float as weighted')));
      const requestId = randomUUID();
      for (const [i, priority] of (['critical', 'high', 'normal', 'low'] as const).entries()) {
        await allocate(db, { requestId, taskId: `T${i + 1}`, skill: s, priority, hours: 4, specialistId: a.id });
      }
      expect(await load(a)).toEqual({ hours: 16, weighted: 4 * (PRIORITY_WEIGHT.critical + PRIORITY_WEIGHT.high + PRIORITY_WEIGHT.normal + PRIORITY_WEIGHT.low) });
      await allocate(db, { requestId, taskId: 'T1', skill: s, priority: 'critical', hours: 4, specialistId: b.id });
      await db('task_assignments').where({ request_id: requestId, task_id: 'T2' }).update({ hours: 2 });
      await release(db, requestId, ['T3']);
      await db('task_assignments').where({ request_id: requestId, task_id: 'T4' }).delete();
      expect(await load(a)).toEqual({ hours: 2, weighted: 2 * PRIORITY_WEIGHT.high });
      expect(await load(b)).toEqual({ hours: 4, weighted: 4 * PRIORITY_WEIGHT.critical });
    } finally {
      await db.destroy();
    }
  });
});
