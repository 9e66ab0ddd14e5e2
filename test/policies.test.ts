// #16 Policies per subscription, on the real stack: the admin API, the request workflow on the
// Temporal dev server, PostgreSQL, the rollover Schedule.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, addWorkingTime, policyCalendar, type Policy } from '../src/domain';
import { MONTHLY_ROLLOVER_SCHEDULE } from '../src/worker/schedules';
import { Flow, eventually } from './support/flow';
import { makeCompany, openHarness, type Company, type Harness } from './support/harness';

let h: Harness;
let co: Company;
let flow: Flow;

beforeAll(async () => {
  h = await openHarness();
  co = await makeCompany(h);
  flow = new Flow(h, co);
});
afterAll(async () => h?.close());

const MINUTE = 60_000;

async function newPolicy(name: string, changes: Partial<Policy>): Promise<{ id: string; version: number }> {
  const res = await h.post('/admin/policies', co.admin.token, { ...DEFAULT_POLICY, ...changes, name: `${name} ${randomUUID().slice(0, 8)}` });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; version: number };
}

async function subscriptionOf(clientId: string): Promise<string> {
  const res = await h.get(`/admin/clients/${clientId}`, co.admin.token);
  return (res.body as { subscriptions: { id: string }[] }).subscriptions[0]!.id;
}

async function pointAt(clientId: string, policyId: string | null) {
  const res = await h.http.put(`/admin/clients/${clientId}/subscriptions/${await subscriptionOf(clientId)}/policy`).set('Authorization', `Bearer ${co.admin.token}`).send({ policyId });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

describe('#16 policies per subscription', () => {
  it('R3 two clients with different policies get different triage deadlines for the same priority filed at the same moment', async () => {
    // Round the clock, one-hour critical triage, in Berlin; business hours in Almaty with its holidays, four hours.
    const allDay = await newPolicy('24/7 Berlin', { triageSlaMinutes: { ...DEFAULT_POLICY.triageSlaMinutes, critical: 60 }, calendar: { timeZone: 'Europe/Berlin', workdays: [1, 2, 3, 4, 5, 6, 7], hours: [{ from: '00:00', to: '24:00' }], holidays: [] } });
    const almatyCalendar = { timeZone: 'Asia/Almaty', workdays: [1, 2, 3, 4, 5], hours: [{ from: '09:00', to: '13:00' }, { from: '14:00', to: '18:00' }], holidays: ['2026-12-16', '2026-12-17'] };
    const almaty = await newPolicy('Almaty business hours', { triageSlaMinutes: { ...DEFAULT_POLICY.triageSlaMinutes, critical: 240 }, calendar: almatyCalendar });
    await pointAt(co.clientId, allDay.id);
    await pointAt(co.otherClientId, almaty.id);

    const [a, b] = await Promise.all([
      h.post('/requests', co.client.token, { title: 'Checkout is down', description: 'd', priority: 'critical' }),
      h.post('/requests', co.otherClient.token, { title: 'Checkout is down', description: 'd', priority: 'critical' }),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
    const first = await flow.state(a.body.requestId);
    const second = await flow.state(b.body.requestId);
    expect(first.policy).toMatchObject({ policyId: allDay.id, version: 1 });
    expect(second.policy).toMatchObject({ policyId: almaty.id, version: 1 });
    // 24/7: an hour of wall-clock time. Almaty: four working hours on its own calendar.
    expect(Date.parse(first.triageDueAt) - Date.parse(first.createdAt)).toBe(60 * MINUTE);
    const expected = addWorkingTime(second.createdAt, 240 * MINUTE, policyCalendar({ ...DEFAULT_POLICY, calendar: almatyCalendar }, 'Europe/Berlin'));
    expect(second.triageDueAt).toBe(expected);
    expect(second.triageDueAt).not.toBe(first.triageDueAt);
    // The manager's list shows each deadline as the workflow holds it.
    const list = await h.get('/requests?stage=Triage&limit=100', co.manager.token);
    const due = (id: string) => (list.body.items as { requestId: string; triageDueAt: string }[]).find((x) => x.requestId === id)?.triageDueAt;
    expect(due(first.requestId)).toBe(first.triageDueAt);
    expect(due(second.requestId)).toBe(second.triageDueAt);
    // A client sees neither the policy nor the deadline.
    const theirs = await h.get(`/requests/${first.requestId}`, co.client.token);
    expect(theirs.body.policy).toBeUndefined();
    expect(theirs.body.triageDueAt).toBeUndefined();
    await pointAt(co.clientId, null);
    await pointAt(co.otherClientId, null);
  });

  it('a policy change after intake does not move the running request until the manager applies it', async () => {
    const roundTheClock = { timeZone: null, workdays: [1, 2, 3, 4, 5, 6, 7], hours: [{ from: '00:00', to: '24:00' }], holidays: [] };
    const gold = await newPolicy('Gold', { triageSlaMinutes: { ...DEFAULT_POLICY.triageSlaMinutes, normal: 480 }, calendar: roundTheClock });
    await pointAt(co.clientId, gold.id);
    const id = await flow.file('Invoices look wrong');
    const filed = await flow.state(id);
    expect(Date.parse(filed.triageDueAt) - Date.parse(filed.createdAt)).toBe(480 * MINUTE);

    // The administrator shortens normal triage to two hours and raises the medium buffer: version 2.
    const v2 = await h.http
      .post(`/admin/policies/${gold.id}/versions`)
      .set('Authorization', `Bearer ${co.admin.token}`)
      .set('If-Match', '"1"')
      .send({ ...DEFAULT_POLICY, triageSlaMinutes: { ...DEFAULT_POLICY.triageSlaMinutes, normal: 120 }, riskBuffer: { ...DEFAULT_POLICY.riskBuffer, medium: 0.5 }, calendar: roundTheClock, note: 'new contract' });
    expect(v2.status, JSON.stringify(v2.body)).toBe(201);
    expect(v2.headers.etag).toBe('"2"');
    expect(v2.body.versions.map((v: { version: number; createdBy: string }) => [v.version, v.createdBy])).toEqual([[2, co.admin.id], [1, co.admin.id]]);
    // Another edit made on version 1 is refused: it would overwrite version 2 unseen.
    const stale = await h.http.post(`/admin/policies/${gold.id}/versions`).set('Authorization', `Bearer ${co.admin.token}`).set('If-Match', '"1"').send({ ...DEFAULT_POLICY });
    expect(stale.status).toBe(412);
    expect(stale.headers['content-type']).toContain('application/problem+json');
    expect((await h.get(`/admin/policies/${gold.id}`, co.admin.token)).body.version).toBe(2);
    // Version 1 is still there as requests filed under it run.
    const v1 = await h.get(`/admin/policies/${gold.id}/versions/1`, co.manager.token);
    expect(v1.body).toMatchObject({ version: 1, policy: { triageSlaMinutes: { normal: 480 } } });

    // The request's manager is told, once; the client is not.
    const inbox = await h.get('/inbox?limit=100', co.manager.token);
    const told = (inbox.body.items as { requestId: string | null; kind: string; text: string }[]).filter((n) => n.requestId === id && n.kind === 'policy.changed');
    expect(told).toHaveLength(1);
    expect(told[0]!.text).toContain('has a version 2');
    const russian = await h.get('/inbox?limit=100', co.manager.token).set('Accept-Language', 'ru');
    expect(JSON.stringify(russian.body.items)).toContain('новая версия 2');
    const theirs = await h.get('/inbox?limit=100', co.client.token);
    expect((theirs.body.items as { kind: string }[]).some((n) => n.kind === 'policy.changed')).toBe(false);

    // Nothing moved on the running request.
    const still = await flow.state(id);
    expect(still.triageDueAt).toBe(filed.triageDueAt);
    expect(still.policy).toMatchObject({ policyId: gold.id, version: 1 });

    // The manager sees what applying would move, before anything moves.
    const preview = await h.get(`/requests/${id}/policy`, co.manager.token);
    expect(preview.status).toBe(200);
    const twoHours = new Date(Date.parse(filed.createdAt) + 120 * MINUTE).toISOString();
    expect(preview.body).toMatchObject({ current: { version: 1 }, latest: { policyId: gold.id, version: 2 }, upToDate: false, applicable: true });
    expect(preview.body.moves).toEqual([{ what: 'triageDueAt', from: filed.triageDueAt, to: twoHours }]);
    expect(preview.body.changes).toEqual(
      expect.arrayContaining([
        { field: 'triageSlaMinutes.normal', from: 480, to: 120 },
        { field: 'riskBuffer.medium', from: 0.2, to: 0.5 },
      ]),
    );
    // Nobody but staff reads it; nobody but the request's manager or the head applies it.
    expect((await h.get(`/requests/${id}/policy`, co.client.token)).status).toBe(403);
    expect((await h.get(`/requests/${id}/policy`, co.backendSenior.token)).status).toBe(403);
    expect((await h.post(`/requests/${id}/policy`, co.client.token, { policyId: gold.id, version: 2, reason: 'x' })).status).toBe(403);
    // Applying a version that is not the client's current one is refused with the current one named.
    const old = await h.post(`/requests/${id}/policy`, co.manager.token, { policyId: gold.id, version: 1, reason: 'back' });
    expect(old.status).toBe(409);
    expect(old.body.current).toMatchObject({ version: 2 });
    expect((await flow.state(id)).policy?.version).toBe(1);

    // Applied: the triage deadline moves as previewed, and it says so in the staff timeline.
    const applied = await flow.act(`/requests/${id}/policy`, co.manager, { policyId: gold.id, version: 2, reason: 'the client signed the new contract' });
    expect(applied.triageDueAt).toBe(twoHours);
    expect(applied.policy).toMatchObject({ policyId: gold.id, version: 2 });
    const again = await h.post(`/requests/${id}/policy`, co.manager.token, { policyId: gold.id, version: 2, reason: 'again' });
    expect(again.status).toBe(409);
    const staffLine = await h.get(`/requests/${id}/timeline`, co.manager.token);
    expect(staffLine.body.items.map((e: { type: string; text: string }) => e.type)).toContain('applyPolicy');
    const clientLine = await h.get(`/requests/${id}/timeline`, co.client.token);
    expect(clientLine.body.items.map((e: { type: string }) => e.type)).not.toContain('applyPolicy');
    expect((await h.get(`/requests/${id}/policy`, co.manager.token)).body).toMatchObject({ upToDate: true, moves: [], changes: [] });

    // The workflow now runs under version 2: a medium estimate gets half again as buffer.
    await flow.act(`/requests/${id}/triage`, co.manager, { decision: 'delegate' });
    await flow.act(`/requests/${id}/decompose`, co.manager, { brief: 'Fix the invoices.', tasks: [{ title: 'Fix', skill: co.skills.backend, assigneeId: co.backendSenior.id }] });
    const estimated = await flow.act(`/requests/${id}/tasks/T1/estimate`, co.backendSenior, { hours: 4, complexity: 'medium' });
    expect(estimated.tasks[0]).toMatchObject({ estimateHours: 4, bufferHours: 2 });
    // A request filed now starts on version 2.
    const fresh = await flow.state(await flow.file('Another one'));
    expect(fresh.policy?.version).toBe(2);
    expect(Date.parse(fresh.triageDueAt) - Date.parse(fresh.createdAt)).toBe(120 * MINUTE);
    // Every change is in the administrators' audit trail.
    const audit = await h.get('/admin/audit?limit=200', co.admin.token);
    const actions = (audit.body.items as { action: string; targetId: string }[]).filter((a) => a.targetId === gold.id).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['policy.create', 'policy.version']));
    await pointAt(co.clientId, null);
  });

  it('rollover follows each subscription\'s rule across two month ends', async () => {
    const tag = randomUUID().slice(0, 8);
    const client = async (name: string, rollover: Policy['rollover']) => {
      const policy = await newPolicy(`Rollover ${name}`, { rollover });
      const made = await h.post('/admin/clients', co.admin.token, { name: `${name} ${tag}`, accountManagerId: co.manager.id });
      const clientId = made.body.id as string;
      const sub = await h.post(`/admin/clients/${clientId}/subscriptions`, co.admin.token, { monthlyHours: 10, timezone: 'Asia/Almaty', startsOn: '2026-08-01', policyId: policy.id });
      expect(sub.status, JSON.stringify(sub.body)).toBe(201);
      return clientId;
    };
    const capped = await client('Capped', { mode: 'upTo', maxHours: 4, months: 1 });
    const twoMonths = await client('Two months', { mode: 'all', months: 2 });
    const none = await client('None', { mode: 'none' });
    // Hours used: 3 in August and 2 in September, for each client.
    for (const clientId of [capped, twoMonths, none]) {
      await h.db('hour_ledger').insert([
        { key: `test:${clientId}:aug`, client_id: clientId, period: '2026-08-01', kind: 'writeoff', hours: 3 },
        { key: `test:${clientId}:sep`, client_id: clientId, period: '2026-09-01', kind: 'writeoff', hours: 2 },
      ]);
    }
    await h.temporal.schedule.getHandle(MONTHLY_ROLLOVER_SCHEDULE).trigger();
    const months = async (clientId: string) =>
      eventually(
        () => h.db('statements').where({ client_id: clientId }).orderBy('period').select<{ period: string; statement: { rolledOver: { origin: string; hours: number }[] } }[]>('period', 'statement'),
        (rows) => rows.some((r) => r.period === '2026-10-01'),
        'August to October closed',
      );
    const rolled = async (clientId: string) => {
      const rows = await months(clientId);
      return rows.slice(0, 3).map((r) => r.statement.rolledOver);
    };
    // Up to 4 h, for one month: August's 7 free hours roll as 4; in September the 2 hours used come
    // from those, August's other 2 lapse, and 4 of September's own roll into October.
    expect(await rolled(capped)).toEqual([[{ origin: '2026-08-01', hours: 4 }], [{ origin: '2026-09-01', hours: 4 }], [{ origin: '2026-10-01', hours: 4 }]]);
    // Everything, for two months: August's 7 roll; September uses 2 of them, so 5 of August's and
    // all 10 of September's roll; in October, August's 5 lapse (they have had two months).
    expect(await rolled(twoMonths)).toEqual([
      [{ origin: '2026-08-01', hours: 7 }],
      [{ origin: '2026-08-01', hours: 5 }, { origin: '2026-09-01', hours: 10 }],
      [{ origin: '2026-09-01', hours: 10 }, { origin: '2026-10-01', hours: 10 }],
    ]);
    expect(await rolled(none)).toEqual([[], [], []]);
    // What the client's month shows: included hours with what rolled in.
    const october = await h.get(`/clients/${twoMonths}/months/2026-10`, co.manager.token);
    expect(october.body).toMatchObject({ includedHours: 25, rolledOverHours: 15 });
    const capOctober = await h.get(`/clients/${capped}/months/2026-10`, co.manager.token);
    expect(capOctober.body).toMatchObject({ includedHours: 14, rolledOverHours: 4 });
    // The closed statement says which policy it was kept under, and what rolled out of it — to staff.
    const september = await h.get(`/clients/${twoMonths}/statements/2026-09`, co.manager.token);
    expect(september.body).toMatchObject({ closed: true, policy: { version: 1 }, rolledOver: [{ origin: '2026-08-01', hours: 5 }, { origin: '2026-09-01', hours: 10 }] });
    expect(String(september.body.policy.name)).toMatch(/^Rollover Two months/);
    const month = new Date().toISOString().slice(0, 7);
    const theirs = await h.get(`/clients/${co.clientId}/statements/${month}`, co.client.token);
    expect(theirs.status).toBe(200);
    expect(theirs.body.policy).toBeUndefined();
    expect((await h.get(`/clients/${co.clientId}/statements/${month}`, co.manager.token)).body.policy).toMatchObject({ name: 'Company default' });
  });

  it('keeps the company default as a policy, listed first', async () => {
    const list = await h.get('/admin/policies', co.manager.token);
    expect(list.status).toBe(200);
    expect(list.body.items[0]).toMatchObject({ name: 'Company default', isDefault: true });
    const detail = await h.get(`/admin/policies/${list.body.items[0].id}`, co.head.token);
    expect(detail.body.policy).toMatchObject({ triageSlaMinutes: DEFAULT_POLICY.triageSlaMinutes, quickAnswerMinutes: 15, rollover: { mode: 'none' } });
    expect((await h.post('/admin/policies', co.manager.token, { ...DEFAULT_POLICY, name: 'Mine' })).status).toBe(403);
    const taken = await h.post('/admin/policies', co.admin.token, { ...DEFAULT_POLICY, name: 'Company default' });
    expect(taken.status).toBe(409);
  });

  describe('every policy field is rejected when out of range, with the field named', () => {
    const cal = DEFAULT_POLICY.calendar;
    const cases: [string, (p: Policy) => unknown, string][] = [
      ['triageSlaMinutes.critical', (p) => ({ ...p, triageSlaMinutes: { ...p.triageSlaMinutes, critical: 0 } }), 'triageSlaMinutes.critical'],
      ['triageSlaMinutes.low', (p) => ({ ...p, triageSlaMinutes: { ...p.triageSlaMinutes, low: 43_201 } }), 'triageSlaMinutes.low'],
      ['triageSlaMinutes.high fraction', (p) => ({ ...p, triageSlaMinutes: { ...p.triageSlaMinutes, high: 1.5 } }), 'triageSlaMinutes.high'],
      ['triageSlaMinutes.normal missing', (p) => ({ ...p, triageSlaMinutes: { critical: 1, high: 1, low: 1 } }), 'triageSlaMinutes.normal'],
      ['deadlineGraceMinutes', (p) => ({ ...p, deadlineGraceMinutes: -1 }), 'deadlineGraceMinutes'],
      ['reminders.everyHours', (p) => ({ ...p, reminders: { everyHours: 0, count: 3 } }), 'reminders.everyHours'],
      ['reminders.count', (p) => ({ ...p, reminders: { everyHours: 48, count: 21 } }), 'reminders.count'],
      ['autoCloseAfterDays', (p) => ({ ...p, autoCloseAfterDays: 0 }), 'autoCloseAfterDays'],
      ['riskBuffer.low', (p) => ({ ...p, riskBuffer: { ...p.riskBuffer, low: -0.1 } }), 'riskBuffer.low'],
      ['riskBuffer.high', (p) => ({ ...p, riskBuffer: { ...p.riskBuffer, high: 2.5 } }), 'riskBuffer.high'],
      ['riskBuffer.medium precision', (p) => ({ ...p, riskBuffer: { ...p.riskBuffer, medium: 0.333 } }), 'riskBuffer.medium'],
      ['riskBuffer.largeWorkHours', (p) => ({ ...p, riskBuffer: { ...p.riskBuffer, largeWorkHours: 0 } }), 'riskBuffer.largeWorkHours'],
      ['riskBuffer.largeWorkExtra', (p) => ({ ...p, riskBuffer: { ...p.riskBuffer, largeWorkExtra: 3 } }), 'riskBuffer.largeWorkExtra'],
      ['quickAnswerMinutes', (p) => ({ ...p, quickAnswerMinutes: 241 }), 'quickAnswerMinutes'],
      ['rollover.mode', (p) => ({ ...p, rollover: { mode: 'some' } }), 'rollover.mode'],
      ['rollover.maxHours', (p) => ({ ...p, rollover: { mode: 'upTo', maxHours: 0, months: 1 } }), 'rollover.maxHours'],
      ['rollover.maxHours quarter', (p) => ({ ...p, rollover: { mode: 'upTo', maxHours: 1.1, months: 1 } }), 'rollover.maxHours'],
      ['rollover.months', (p) => ({ ...p, rollover: { mode: 'all', months: 25 } }), 'rollover.months'],
      ['underuseCheckDay', (p) => ({ ...p, underuseCheckDay: 29 }), 'underuseCheckDay'],
      ['calendar.timeZone', (p) => ({ ...p, calendar: { ...cal, timeZone: 'Mars/Olympus' } }), 'calendar.timeZone'],
      ['calendar.workdays empty', (p) => ({ ...p, calendar: { ...cal, workdays: [] } }), 'calendar.workdays'],
      ['calendar.workdays 8', (p) => ({ ...p, calendar: { ...cal, workdays: [1, 8] } }), 'calendar.workdays.1'],
      ['calendar.workdays twice', (p) => ({ ...p, calendar: { ...cal, workdays: [1, 1] } }), 'calendar.workdays'],
      ['calendar.hours empty', (p) => ({ ...p, calendar: { ...cal, hours: [] } }), 'calendar.hours'],
      ['calendar.hours 25:00', (p) => ({ ...p, calendar: { ...cal, hours: [{ from: '09:00', to: '25:00' }] } }), 'calendar.hours.0.to'],
      ['calendar.hours backwards', (p) => ({ ...p, calendar: { ...cal, hours: [{ from: '18:00', to: '09:00' }] } }), 'calendar.hours.0.to'],
      ['calendar.hours overlapping', (p) => ({ ...p, calendar: { ...cal, hours: [{ from: '09:00', to: '13:00' }, { from: '12:00', to: '18:00' }] } }), 'calendar.hours.1.from'],
      ['calendar.holidays', (p) => ({ ...p, calendar: { ...cal, holidays: ['2026-02-30'] } }), 'calendar.holidays.0'],
      ['calendar.holidays twice', (p) => ({ ...p, calendar: { ...cal, holidays: ['2026-12-25', '2026-12-25'] } }), 'calendar.holidays'],
      ['an unknown field', (p) => ({ ...p, slaMagic: true }), ''],
    ];
    it.each(cases)('%s', async (_name, change, field) => {
      const name = `Broken ${randomUUID().slice(0, 8)}`;
      const res = await h.post('/admin/policies', co.admin.token, { ...(change(DEFAULT_POLICY) as object), name });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect((res.body.errors as { path: string }[]).map((e) => e.path)).toContain(field);
      const list = await h.get('/admin/policies', co.admin.token);
      expect((list.body.items as { name: string }[]).some((p) => p.name === name)).toBe(false);
    });
  });
});
