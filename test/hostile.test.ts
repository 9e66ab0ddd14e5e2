// Property-based, as a hostile user: generated strings (NUL, lone surrogates, right-to-left text,
// 100k characters, emoji) and dates (year 0, 9999, DST gaps, impossible days) sent to every
// action. Each answer is 2xx or 4xx within a bound; afterwards every request touched still takes a
// normal action and its read model equals its workflow's state.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openCompany, type Flow } from './support/flow';
import type { Company, Harness } from './support/harness';
import { expectReadModelEqualsWorkflow } from './support/read-model';

let h: Harness;
let co: Company;
let f: Flow;

beforeAll(async () => {
  ({ h, co, f } = await openCompany({}, { team: 1 }));
});
afterAll(async () => {
  await h.close();
});

const strings = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    '\u0000',
    'before\u0000after',
    '\ud800',
    'tail \udfff',
    '\udc00\ud800',
    'שלום עולם \u202e\u2066 مرحبا',
    '🙂👍🏽👨‍👩‍👧 é',
    '   ',
    '',
    '<script>alert(1)</script>',
    "'; drop table requests; --",
    '[x](javascript:alert(1))',
    'x'.repeat(100_000),
    '\u2028\u2029\r\n\t',
  ),
);
const dates = fc.oneof(
  fc.constantFrom(
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59Z',
    '+275760-09-13T00:00:00Z',
    '2027-03-28T02:30:00+01:00',
    '2026-10-25T02:30:00+02:00',
    '2027-02-30T10:00:00Z',
    '2001-01-01T00:00:00Z',
    'tomorrow',
    '',
  ),
  fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.integer({ min: 1, max: 3 * 365 }).map((days) => new Date(Date.now() + days * 86_400_000).toISOString()),
);
const days = fc.oneof(fc.constantFrom('0000-01-01', '9999-12-31', '2026-02-29', '2028-02-29', '2026-13-01', '1999-12-31'), dates.map((d) => d.slice(0, 10)));

interface Requests {
  triage: string;
  delegated: string;
  estimating: string;
  executing: string;
}

/** Percent-encodes every byte of the UTF-8 text (a lone surrogate is sent as U+FFFD's bytes, as any client would). */
const pct = (v: string) => [...Buffer.from(v)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

type Op = (v: string, r: Requests) => { path: string; who: keyof Company; body?: object; get?: boolean };

/** Every action a person can send with text or a date in it, the value in each such field. */
const textOps: Record<string, Op> = {
  'file title': (v) => ({ path: '/requests', who: 'client', body: { title: v, description: 'd' } }),
  'file description': (v) => ({ path: '/requests', who: 'client', body: { title: 't', description: v } }),
  'resolve at triage': (v, r) => ({ path: `/requests/${r.triage}/triage`, who: 'manager', body: { decision: 'resolve', resolution: v } }),
  'brief': (v, r) => ({ path: `/requests/${r.delegated}/decompose`, who: 'manager', body: { brief: v, tasks: [{ title: 'ok', skill: co.skills.frontend }] } }),
  'task title': (v, r) => ({ path: `/requests/${r.delegated}/decompose`, who: 'manager', body: { brief: 'ok', tasks: [{ title: v, skill: co.skills.frontend }] } }),
  'skill': (v, r) => ({ path: `/requests/${r.delegated}/decompose`, who: 'manager', body: { brief: 'ok', tasks: [{ title: 'ok', skill: v }] } }),
  'question': (v, r) => ({ path: `/requests/${r.estimating}/questions`, who: 'backendSenior', body: { taskId: 'T1', text: v } }),
  'question to the client': (v, r) => ({ path: `/requests/${r.estimating}/ask-client`, who: 'manager', body: { text: v } }),
  'time note': (v, r) => ({ path: `/requests/${r.executing}/time`, who: 'backendSenior', body: { taskId: 'T1', minutes: 5, category: 'execution', note: v } }),
  'blocker': (v, r) => ({ path: `/requests/${r.executing}/tasks/T1/blocker`, who: 'backendSenior', body: { description: v } }),
  'deadline note': (v, r) => ({ path: `/requests/${r.executing}/tasks/T1/deadline-proposal`, who: 'manager', body: { newDeadline: new Date(Date.now() + 7 * 86_400_000).toISOString(), cause: 'external', note: v } }),
  'priority reason': (v, r) => ({ path: `/requests/${r.executing}/priority`, who: 'manager', body: { priority: 'high', reason: v } }),
  'linked request': (v, r) => ({ path: `/requests/${r.executing}/linked-requests`, who: 'manager', body: { title: v, description: v } }),
  'list cursor': (v) => ({ path: `/requests?cursor=${pct(v)}`, who: 'manager', get: true }),
  'inbox cursor': (v) => ({ path: `/inbox?cursor=${pct(v)}`, who: 'manager', get: true }),
  'staff name': (v) => ({ path: '/admin/staff', who: 'admin', body: { name: v, email: 'x@test.example', role: 'manager' } }),
  'credential label': (v) => ({ path: '/admin/credentials', who: 'admin', body: { staffId: co.manager.id, label: v } }),
  'absence note': (v) => ({ path: `/admin/staff/${co.frontendSenior.id}/absences`, who: 'head', body: { startsOn: '2030-01-01', endsOn: '2030-01-02', kind: 'other', note: v } }),
};
const dateOps: Record<string, Op> = {
  'new deadline': (v, r) => ({ path: `/requests/${r.executing}/tasks/T1/deadline-proposal`, who: 'manager', body: { newDeadline: v, cause: 'external', note: 'n' } }),
  'credential expiry': (v) => ({ path: '/admin/credentials', who: 'admin', body: { staffId: co.manager.id, label: 'l', expiresAt: v } }),
};
const dayOps: Record<string, Op> = {
  'absence': (v) => ({ path: `/admin/staff/${co.frontendSenior.id}/absences`, who: 'head', body: { startsOn: v, endsOn: v, kind: 'other' } }),
  'subscription start': (v) => ({ path: `/admin/clients/${co.otherClientId}/subscriptions`, who: 'admin', body: { monthlyHours: 10, timezone: 'UTC', startsOn: v } }),
  'month': (v) => ({ path: `/clients/${co.clientId}/months/${pct(v.slice(0, 7))}`, who: 'manager', get: true }),
  'statement': (v) => ({ path: `/clients/${co.clientId}/statements/${pct(v.slice(0, 7))}`, who: 'manager', get: true }),
};

it('generated strings and dates on every action: each answer 2xx or 4xx within 15 s; every request answers afterwards and its read model equals its workflow', { timeout: 300_000 }, async () => {
  const r: Requests = {
    triage: await f.file('Hostile triage'),
    delegated: await f.delegated(),
    estimating: await f.decomposed(),
    executing: await f.executing(8),
  };
  const filed = new Set<string>(Object.values(r));
  const answers: string[] = [];
  const send = async (name: string, op: Op, v: string) => {
    const { path, who, body, get } = op(v, r);
    const token = (co[who] as { token: string }).token;
    const res = await (get ? h.get(path, token) : h.post(path, token, body)).timeout(15_000);
    answers.push(`${name}: ${res.status}`);
    if (path === '/requests' && res.status === 201) filed.add(res.body.requestId as string);
    if (path.endsWith('/linked-requests') && res.status === 200) for (const linked of res.body.linked as string[]) filed.add(linked);
    return res;
  };
  const ok = (status: number) => status < 500;
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...Object.keys(textOps)), strings, async (name, v) => ok((await send(name, textOps[name]!, v)).status)),
    { numRuns: 120 },
  );
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...Object.keys(dateOps)), dates, async (name, v) => ok((await send(name, dateOps[name]!, v)).status)),
    { numRuns: 40 },
  );
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...Object.keys(dayOps)), days, async (name, v) => ok((await send(name, dayOps[name]!, v)).status)),
    { numRuns: 40 },
  );
  expect(answers.some((a) => a.endsWith(': 400'))).toBe(true);
  expect(answers.some((a) => /: 20\d$/.test(a))).toBe(true);

  // Every request touched still takes a normal action, and PostgreSQL holds what the workflow holds.
  for (const id of filed) {
    const logged = await h.post(`/requests/${id}/time`, co.manager.token, { minutes: 1, category: 'communication', note: 'still here' }).timeout(15_000);
    expect(logged.status, `${id}: ${JSON.stringify(logged.body)}`).toBe(200);
    await expectReadModelEqualsWorkflow(h, id);
  }
});
