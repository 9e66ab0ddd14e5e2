// Time, subscription hours and billing (R2, R18, R22–R24, R12 under-use).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestOutcome } from '../src/shared/contract';
import { writeLast } from '../src/temporal/write-request';
import { underuseForecast } from '../src/stores/ledger';
import {
  DEFAULT_POLICY,
  ALWAYS_OPEN,
  DEFAULT_TIMING,
  apply,
  billingOf,
  check,
  intake,
  monthOf,
  type Actor,
  type Command,
  type RequestContext,
  type RequestState,
} from '../src/domain';
import { MONTHLY_ROLLOVER_SCHEDULE } from '../src/worker/schedules';
import { Flow, eventually } from './support/flow';
import { makeCompany, openHarness, type Company, type Harness, requestHandle } from './support/harness';

const ctx: RequestContext = { calendar: ALWAYS_OPEN, policy: DEFAULT_TIMING };
const client: Actor = { id: 'c1', role: 'client', clientId: 'org1' };
const manager: Actor = { id: 'm1', role: 'manager' };
const sam: Actor = { id: 's1', role: 'specialist' };
const fran: Actor = { id: 's2', role: 'specialist' };

function run(...steps: [Actor, Command][]): RequestState {
  let s = intake({ requestId: 'r1', clientId: 'org1', title: 't', description: 'd', priority: 'normal', managerId: 'm1', createdBy: client, timeZone: 'UTC', at: '2026-11-02T09:00:00Z' }, ctx);
  for (const [actor, cmd] of steps) {
    const r = check(s, actor, cmd);
    if (r) throw new Error(`${cmd.type}: ${r.message}`);
    s = apply(s, actor, cmd, '2026-11-02T10:00:00Z', ctx);
  }
  return s;
}

const oneTask = (hours: number): [Actor, Command][] => [
  [manager, { type: 'triage', decision: 'delegate' }],
  [manager, { type: 'decompose', brief: 'b', tasks: [{ title: 'x', skill: 'backend', assigneeId: 's1' }] }],
  [sam, { type: 'estimate', taskId: 'T1', hours, complexity: 'low' }],
  [client, { type: 'approveEstimate', acceptOverage: true }],
];
const log = (who: Actor, taskId: string, minutes: number, category: 'execution' | 'rework' = 'execution'): [Actor, Command] => [who, { type: 'logTime', taskId, minutes, category, note: '' }];
const extend = (id: string, extraHours: number, cause: 'client_side' | 'wrong_estimate'): [Actor, Command][] => [
  [manager, { type: 'proposeDeadline', taskId: 'T1', newDeadline: '2026-11-20T10:00:00Z', extraHours, cause, note: 'why' }],
  [client, { type: 'agreeDeadline', proposalId: id, agree: true }],
];

describe('R23 billing arithmetic', () => {
  // 4 h low estimate → 0.5 h buffer → 4.5 h budget.
  it.each([
    ['early finish bills only what was spent', [...oneTask(4), log(sam, 'T1', 180)], 3, { T1: [3, 4.5, 3, 0] }, {}],
    ['an internal overrun is never billed', [...oneTask(4), log(sam, 'T1', 360)], 4.5, { T1: [6, 4.5, 4.5, 1.5] }, { 'overrun: over_budget': 1.5 }],
    ['an objective overrun agreed by the client is billed', [...oneTask(4), ...extend('D1', 2, 'client_side'), log(sam, 'T1', 390)], 6.5, { T1: [6.5, 6.5, 6.5, 0] }, {}],
    [
      'both in one task: the objective part billed, the rest tagged with the internal cause',
      [...oneTask(4), ...extend('D1', 1, 'client_side'), ...extend('D2', 2, 'wrong_estimate'), log(sam, 'T1', 480)],
      5.5,
      { T1: [8, 5.5, 5.5, 2.5] },
      { 'overrun: wrong_estimate': 2.5 },
    ],
    ['cancellation midway bills approved work done', [...oneTask(4), log(sam, 'T1', 90), [client, { type: 'cancel', reason: 'budget' }]], 1.5, { T1: [1.5, 4.5, 1.5, 0] }, {}],
    ['rework is internal', [...oneTask(4), log(sam, 'T1', 120), log(sam, 'T1', 60, 'rework')], 2, { T1: [2, 4.5, 2, 0] }, { 'rework after an unsatisfactory result is internal': 1 }],
  ] as const)('%s', (_name, steps, billable, tasks, nonBillable) => {
    const b = billingOf(run(...(steps as unknown as [Actor, Command][])));
    expect(b.billableHours).toBe(billable);
    expect(Object.fromEntries(b.tasks.map((t) => [t.taskId, [t.actualHours, t.budgetHours, t.billableHours, t.overrunHours]]))).toEqual(tasks);
    expect(b.nonBillable).toEqual(nonBillable);
  });

  it('several tasks, and time on the request itself, add up; the total is rounded once to the quarter hour', () => {
    const s = run(
      [manager, { type: 'triage', decision: 'delegate' }],
      [manager, { type: 'decompose', brief: 'b', tasks: [{ title: 'x', skill: 'backend', assigneeId: 's1' }, { title: 'y', skill: 'frontend', assigneeId: 's2' }] }],
      [sam, { type: 'estimate', taskId: 'T1', hours: 2, complexity: 'low' }],
      [fran, { type: 'estimate', taskId: 'T2', hours: 1, complexity: 'low' }],
      [client, { type: 'approveEstimate', acceptOverage: true }],
      log(sam, 'T1', 100),
      log(fran, 'T2', 200),
      [manager, { type: 'logTime', minutes: 20, category: 'consultation', note: '' }],
    );
    const b = billingOf(s);
    // T1: 1 h 40 min of a 2.25 h budget; T2: 3 h 20 min capped at 1.25 h; request: 20 min. 1.667 + 1.25 + 0.333 = 3.25.
    expect(b.billableHours).toBe(3.25);
    expect(b.tasks.map((t) => t.overrunHours)).toEqual([0, 2.08]);
  });
});

describe('through the API', () => {
  let h: Harness;
  let co: Company;
  let f: Flow;

  beforeAll(async () => {
    h = await openHarness();
    co = await makeCompany(h);
    f = new Flow(h, co);
  });
  afterAll(async () => h?.close());

  const writeoffs = (id: string) => h.db('hour_ledger').where({ request_id: id, kind: 'writeoff' }) as Promise<{ hours: number; key: string }[]>;

  it('R24 a write-off made again (by the closings sweep, after a caller that died part-way through) leaves one ledger row', async () => {
    const id = await f.file('Crash test');
    await f.act(`/requests/${id}/time`, co.manager, { minutes: 30, category: 'consultation', note: 'x' });
    await f.act(`/requests/${id}/triage`, co.manager, { decision: 'resolve', resolution: 'done' });
    await f.act(`/requests/${id}/confirm-closure`, co.client);
    // The closing answer's caller wrote it off before it answered.
    expect(await writeoffs(id)).toHaveLength(1);
    // The same last write, made twice more from the workflow's result, as sweeps after a crash would.
    const outcome = (await (await requestHandle(h, id)).result()) as RequestOutcome;
    expect(outcome.last?.settle).toBeDefined();
    await Promise.all([writeLast(h.db, h.temporal, outcome.last!), writeLast(h.db, h.temporal, outcome.last!)]);
    const rows = await writeoffs(id);
    expect(rows).toEqual([expect.objectContaining({ hours: 0.5, key: `writeoff:${id}` })]);
  });

  it('R24 three requests in one month: the statement matches the figures computed by hand, field by field', async () => {
    const own = await makeCompany(h, { monthlyHours: 20 });
    const g = new Flow(h, own);
    const sam = own.backendSenior;

    // A: the manager answers himself: 45 min consultation (billable) and a 10-min quick answer (not).
    const a = await g.file('Plan question');
    await g.act(`/requests/${a}/time`, own.manager, { minutes: 45, category: 'consultation', note: 'plan advice' });
    await g.act(`/requests/${a}/time`, own.manager, { minutes: 10, category: 'communication', note: 'quick answer' });
    await g.act(`/requests/${a}/triage`, own.manager, { decision: 'resolve', resolution: 'Explained.' });
    await g.act(`/requests/${a}/confirm-closure`, own.client);

    // B: 4 h estimate (+0.5 h buffer); 5 h spent and 1 h of rework: bills 4.5 h, 0.5 h overrun and 1 h rework are internal.
    const b = await g.executing(4, 'low');
    await g.act(`/requests/${b}/time`, sam, { taskId: 'T1', minutes: 300, category: 'execution', note: 'work' });
    await g.act(`/requests/${b}/time`, sam, { taskId: 'T1', minutes: 60, category: 'rework', note: 'fix' });
    await g.act(`/requests/${b}/tasks/T1/complete`, sam, { result: 'done' });
    await g.act(`/requests/${b}/accept-result`, own.manager);
    await g.act(`/requests/${b}/confirm-closure`, own.client);

    // C: 2 h estimate (+0.25 h) extended by 1 h for a client-side cause; 3 h spent: all billable.
    const c = await g.executing(2, 'low');
    await g.act(`/requests/${c}/tasks/T1/deadline-proposal`, own.manager, { newDeadline: new Date(Date.now() + 86_400_000).toISOString(), extraHours: 1, cause: 'client_side', note: 'new data' });
    await g.act(`/requests/${c}/deadline-proposals/D1/answer`, own.client, { agree: true });
    await g.act(`/requests/${c}/time`, sam, { taskId: 'T1', minutes: 180, category: 'execution', note: 'work' });
    await g.act(`/requests/${c}/tasks/T1/complete`, sam, { result: 'done' });
    await g.act(`/requests/${c}/accept-result`, own.manager);
    await g.act(`/requests/${c}/confirm-closure`, own.client);

    // D: approved and open: 6 h medium (+1.25 h) held, not consumed.
    await g.executing(6, 'medium');

    for (const id of [a, b, c]) await eventually(() => writeoffs(id), (r) => r.length === 1, 'the write-offs');
    const month = monthOf(new Date().toISOString(), 'Europe/Berlin').slice(0, 7);
    const staff = await h.get(`/clients/${own.clientId}/statements/${month}`, own.manager.token);
    expect(staff.status).toBe(200);
    const { days, ...figures } = staff.body.summary as { days: { date: string; leftHours: number }[] };
    // The burn-down: every day of the month so far; today's hours left are the month's free hours.
    expect(days[0]?.date).toBe(`${month}-01`);
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' }).format(new Date());
    expect(days.at(-1)).toEqual({ date: today, leftHours: 4.5 });
    expect(days).toHaveLength(Number(today.slice(8, 10)));
    expect(figures).toEqual({
      period: `${month}-01`,
      timeZone: 'Europe/Berlin',
      includedHours: 20,
      rolledOverHours: 0,
      committedHours: 7.25,
      consumedHours: 8.25,
      freeHours: 4.5,
      overageHours: 0,
    });
    expect(staff.body.requests.map((r: { requestId: string; billableHours: number; stage: string }) => [r.requestId, r.billableHours, r.stage])).toEqual([
      [a, 0.75, 'Closed'],
      [b, 4.5, 'Closed'],
      [c, 3, 'Closed'],
    ]);
    expect(staff.body.totals).toEqual({ billableHours: 8.25, nonBillableHours: 1.67 });
    expect(staff.body.nonBillableByReason).toEqual({
      'quick answer under 15 min': 0.17,
      'overrun: over_budget': 0.5,
      'rework after an unsatisfactory result is internal': 1,
    });

    const mine = await h.get(`/clients/${own.clientId}/statements/${month}`, own.client.token);
    expect(mine.status).toBe(200);
    expect(mine.body.totals).toEqual({ billableHours: 8.25 });
    expect(JSON.stringify(mine.body)).not.toMatch(/nonBillable|rework|overrun/);
    expect((await h.get(`/clients/${own.clientId}/statements/${month}`, co.client.token)).status).toBe(404);
    expect((await h.get(`/clients/${own.clientId}/statements/${month}`, own.backendSenior.token)).status).toBe(403);

    const csv = await h.get(`/clients/${own.clientId}/statements/${month}?format=csv`, own.client.token);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('request_id,title,stage,closed_at,billable_hours');
    expect(lines.slice(1, 4).map((l) => l.split(',')[4])).toEqual(['0.75', '4.5', '3']);
    expect(lines).toContain('consumed_hours,8.25');
    expect(lines).toContain('free_hours,4.5');
  });

  it('R22 people correct their own entries with an audit trail; nobody logs on a closed request', async () => {
    const id = await f.executing();
    await f.act(`/requests/${id}/time`, co.backendSenior, { taskId: 'T1', minutes: 90, category: 'execution', note: 'first' });
    await f.act(`/requests/${id}/time/1/correct`, co.backendSenior, { minutes: 60, note: 'was 60, not 90' });
    expect((await f.entries(id))[0]).toMatchObject({ minutes: 60, revision: 2, note: 'was 60, not 90' });
    await f.act(`/requests/${id}/time/1/correct`, co.manager, { minutes: 10 }, 403);
    const row = await eventually(() => h.db('time_entries').where({ id: `${id}:te:1` }).first<{ minutes: number; revision: number }>(), (r) => r?.revision === 2, 'the corrected entry');
    expect(row.minutes).toBe(60);
    const audit = await h.db('audit_events').where({ request_id: id, type: 'correctTime' }).first<{ detail: { before: { minutes: number } } }>();
    expect(audit.detail.before.minutes).toBe(90);
    await f.act(`/requests/${id}/cancel`, co.client, { reason: 'stop' });
    await f.act(`/requests/${id}/time`, co.backendSenior, { taskId: 'T1', minutes: 15, category: 'execution', note: 'late' }, 409);
  });

  it('R24 approval holds hours in the month; settlement releases them', async () => {
    const own = await makeCompany(h, { monthlyHours: 10 });
    const g = new Flow(h, own);
    const id = await g.executing(4, 'low');
    const month = monthOf(new Date().toISOString(), 'Europe/Berlin').slice(0, 7);
    // The hold is written just after the approval is answered (the same workflow task's next activity).
    const held = await eventually(() => h.get(`/clients/${own.clientId}/months/${month}`, own.client.token), (r) => r.body.committedHours > 0, 'the hold');
    expect(held.body).toMatchObject({ includedHours: 10, committedHours: 4.5, consumedHours: 0, freeHours: 5.5 });
    await g.act(`/requests/${id}/time`, own.backendSenior, { taskId: 'T1', minutes: 120, category: 'execution', note: 'x' });
    await g.act(`/requests/${id}/cancel`, own.client, { reason: 'stop' });
    await eventually(() => writeoffs(id), (r) => r.length === 1, 'the settlement');
    const after = await h.get(`/clients/${own.clientId}/months/${month}`, own.client.token);
    expect(after.body).toMatchObject({ committedHours: 0, consumedHours: 2, freeHours: 8 });
  });

  it('R24 the ledgers\' steps and the write-off made again change no row: no hold, release or write-off twice, no load rewritten', async () => {
    const own = await makeCompany(h, { monthlyHours: 10 });
    const g = new Flow(h, own);
    const id = await g.executing(4, 'low');
    await g.act(`/requests/${id}/time`, own.backendSenior, { taskId: 'T1', minutes: 90, category: 'execution', note: 'x' });
    await g.act(`/requests/${id}/cancel`, own.client, { reason: 'stop' });
    const outcome = (await (await requestHandle(h, id)).result()) as RequestOutcome;
    // The cancelling answer's last write did the ledgers' steps again (the hold, the budget, the priority, the release) and wrote off.
    expect(outcome.last?.redo?.length).toBeGreaterThan(0);
    const rows = async () => ({
      // xmin: the transaction that last wrote the row — the same only if nobody rewrote it.
      tasks: (await h.db.raw('select xmin::text as x, task_id, status, hours::float, priority from task_assignments where request_id = ? order by task_id', [id])).rows,
      staff: (await h.db.raw('select xmin::text as x, load_hours::float from staff where id = ?', [own.backendSenior.id])).rows,
      ledger: await h.db('hour_ledger').where({ request_id: id }).orderBy('key').select('key', 'kind', 'hours', 'period'),
    });
    const before = await rows();
    expect(before.tasks).toEqual([expect.objectContaining({ task_id: 'T1', status: 'released', hours: 4.5 })]);
    expect(before.ledger.map((r: { kind: string }) => r.kind).sort()).toEqual(['release', 'reservation', 'writeoff']);
    await writeLast(h.db, h.temporal, outcome.last!);
    await writeLast(h.db, h.temporal, outcome.last!);
    expect(await rows()).toEqual(before);
  });

  it('R24 the monthly rollover Schedule freezes ended months and rolls unused hours where the subscription says; R12 flags under-use', async () => {
    const tag = randomUUID().slice(0, 8);
    const ok = async (path: string, body: object) => {
      const res = await h.post(path, co.admin.token, body);
      expect(res.status).toBe(201);
      return res.body as { id: string };
    };
    const { id: clientId } = await ok('/admin/clients', { name: `Rollover ${tag}`, accountManagerId: co.manager.id });
    const now = new Date();
    const lastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 10);
    // The subscription's policy rolls unused hours over and checks under-use from the 1st.
    const { id: policyId } = await ok('/admin/policies', { ...DEFAULT_POLICY, name: `Rollover ${tag}`, rollover: { mode: 'all', months: 1 }, underuseCheckDay: 1 });
    await ok(`/admin/clients/${clientId}/subscriptions`, { monthlyHours: 10, timezone: 'UTC', startsOn: lastMonth, policyId });
    await h.temporal.schedule.getHandle(MONTHLY_ROLLOVER_SCHEDULE).trigger();
    const frozen = await eventually(
      () => h.db('statements').where({ client_id: clientId }).first<{ period: string; statement: { summary: { freeHours: number } } } | undefined>(),
      (r) => r !== undefined,
      'the closed month',
    );
    expect(frozen?.period).toBe(lastMonth);
    expect(frozen?.statement.summary.freeHours).toBe(10);
    const current = now.toISOString().slice(0, 7);
    const summary = await h.get(`/clients/${clientId}/months/${current}`, co.manager.token);
    expect(summary.body).toMatchObject({ includedHours: 20, rolledOverHours: 10 });
    // From the check day on, with nothing used, the account manager hears of it, once per month.
    const flagged = await underuseForecast(h.db);
    expect(flagged).toContainEqual({ clientId, projectedHours: 0, includedHours: 20 });
    await underuseForecast(h.db);
    const notes = await h.db('notifications').where({ client_id: clientId, kind: 'subscription.underused' });
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ recipient_id: co.manager.id });
  });

  it('reports estimate accuracy and utilisation', async () => {
    const own = await makeCompany(h);
    const g = new Flow(h, own);
    const id = await g.executing(4, 'low');
    await g.act(`/requests/${id}/time`, own.backendSenior, { taskId: 'T1', minutes: 300, category: 'execution', note: 'x' });
    await g.act(`/requests/${id}/tasks/T1/complete`, own.backendSenior, { result: 'done' });
    const acc = await h.get('/reports/estimate-accuracy', own.manager.token);
    const mine = acc.body.items.find((i: { specialistId: string }) => i.specialistId === own.backendSenior.id);
    expect(mine).toMatchObject({ skill: own.skills.backend, tasks: 1, estimatedHours: 4, actualHours: 5, ratio: 1.25, suggestedBufferShare: 0.25 });
    const util = await h.get(`/reports/utilisation?month=${new Date().toISOString().slice(0, 7)}`, own.manager.token);
    const sam = util.body.items.find((i: { specialistId: string }) => i.specialistId === own.backendSenior.id);
    // Billable as the statement bills it: 5 h logged on a 4.5 h budget bill 4.5 h.
    expect(sam).toMatchObject({ loggedHours: 5, billableHours: 4.5 });
    expect(sam.utilisation).toBeCloseTo(5 / sam.capacityHours, 3);
    expect((await h.get('/reports/utilisation', own.client.token)).status).toBe(403);
  });
});
