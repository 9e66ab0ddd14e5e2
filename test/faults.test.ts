// Proof under faults: 50 full request lifecycles at once (decomposition, time logged, rework,
// closure) while the worker is SIGKILLed, the Temporal server restarts, or PostgreSQL is down for
// 20 s. Clients retry as a careful client does: after a timeout, a dropped connection or a 503,
// with the same Idempotency-Key. Afterwards every request is closed, the hour ledger holds exactly
// the hand-computed hours, and nothing (time entry, write-off, notification, action) happened twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db/knex';
import { openFaultStack, type FaultStack } from './support/fault-stack';
import { makeCompany, type Company, type Person, requestHandle } from './support/harness';

const N = 50;
/** Steps each lifecycle takes; faults are set off at a share of all of them. */
const STEPS = 16;

// By hand: T1 is estimated at 2 h (low: +10 % → 0.25 h buffer) and T2 at 1 h (+0.25 h): 3.5 h held.
// 60 min on T1 and 30 min on T2 are billable; the 20 min of rework on T1 is internal (R22).
const HELD_PER_REQUEST = 3.5;
const BILLED_PER_REQUEST = 1.5;
const MINUTES_PER_REQUEST = [20, 30, 60];

let stack: FaultStack;

beforeAll(async () => {
  stack = await openFaultStack();
}, 240_000);
afterAll(async () => stack?.close());

/** An HTTP client that retries what a careful client retries, and remembers every answer it got. */
class Client {
  steps = 0;
  readonly started = Date.now();
  readonly serverErrors: { status: number; type: string; path: string }[] = [];
  networkErrors = 0;

  constructor(readonly api: string) {}

  async call<T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, token: string, body?: object, key?: string): Promise<T> {
    const deadline = Date.now() + 300_000;
    for (;;) {
      try {
        const res = await fetch(`${this.api}${path}`, {
          method,
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...(key ? { 'Idempotency-Key': key } : {}) },
          ...(body ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(30_000),
        });
        const json = (await res.json()) as T;
        if (res.ok) {
          this.steps++;
          return json;
        }
        if (res.status < 500) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(json)}`);
        this.serverErrors.push({ status: res.status, type: res.headers.get('content-type') ?? '', path });
      } catch (err) {
        if (err instanceof Error && err.message.includes(' answered ')) throw err;
        this.networkErrors++;
      }
      if (Date.now() > deadline) throw new Error(`${method} ${path} did not succeed within 300 s`);
      await new Promise((r) => setTimeout(r, 250 + Math.random() * 750));
    }
  }

  /** Says what the test did, when and how far the lifecycles were. */
  mark(what: string): void {
    console.log(`${((Date.now() - this.started) / 1000).toFixed(1)} s, ${this.steps}/${N * STEPS} steps: ${what}`);
  }

  /** Resolves once this share of all the steps of N lifecycles is done. */
  async progress(share: number): Promise<void> {
    while (this.steps < share * N * STEPS) await new Promise((r) => setTimeout(r, 100));
  }
}

interface Created {
  requestId: string;
  stage: string;
  tasks: { id: string; assigneeId?: string }[];
}

/** One request from filing to closure, every step a retried call with its own key. */
async function lifecycle(c: Client, co: Company, tag: string): Promise<string> {
  const people = new Map<string, Person>([co.backendSenior, co.frontendSenior, ...co.team].map((p) => [p.id, p]));
  const { requestId: id } = await c.call<Created>('POST', '/requests', co.client.token, { title: `Fault ${tag}`, description: 'Checkout fails for some cards.' }, `${tag}-file`);
  const act = (path: string, person: Person, body: object, step: string) => c.call<Created>('POST', `/requests/${id}/${path}`, person.token, body, `${tag}-${step}`);

  await act('triage', co.manager, { decision: 'delegate' }, 'triage');
  const { tasks } = await act(
    'decompose',
    co.manager,
    {
      brief: 'Find the failing card types and fix the payment call.',
      tasks: [
        { title: 'Payment call', skill: co.skills.backend, complexity: 'low' },
        { title: 'Card form', skill: co.skills.frontend, complexity: 'low' },
      ],
    },
    'decompose',
  );
  const [t1, t2] = tasks.map((t) => people.get(t.assigneeId ?? '') as Person);
  expect(t1 && t2, `both tasks assigned: ${JSON.stringify(tasks)}`).toBeTruthy();
  await act('tasks/T1/estimate', t1!, { hours: 2, complexity: 'low' }, 'estimate-1');
  await act('tasks/T2/estimate', t2!, { hours: 1, complexity: 'low' }, 'estimate-2');
  await act('approve', co.client, {}, 'approve');
  await act('time', t1!, { taskId: 'T1', minutes: 60, category: 'execution' }, 'time-1');
  await act('time', t2!, { taskId: 'T2', minutes: 30, category: 'execution' }, 'time-2');
  await act('tasks/T1/complete', t1!, { result: 'Payment call retried for 3-D Secure cards.' }, 'complete-1');
  await act('tasks/T2/complete', t2!, { result: 'The form shows the card error.' }, 'complete-2');
  await act('rework', co.manager, { reason: 'no test for declined cards', taskIds: ['T1'] }, 'rework');
  for (let s = ''; s !== 'Execution'; ) {
    s = (await c.call<Created>('GET', `/requests/${id}`, co.manager.token)).stage;
    if (s !== 'Execution') await new Promise((r) => setTimeout(r, 300));
  }
  await act('time', t1!, { taskId: 'T1', minutes: 20, category: 'rework' }, 'time-3');
  await act('tasks/T1/complete', t1!, { result: 'Declined cards are tested.' }, 'complete-3');
  await act('accept-result', co.manager, {}, 'accept');
  const closed = await act('confirm-closure', co.client, {}, 'confirm');
  expect(closed.stage).toBe('Closed');
  return id;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A company with room for N requests: ten more seniors per skill; the junior is away, so no mentor steps. */
async function company(): Promise<Company> {
  const co = await makeCompany(stack.h, { monthlyHours: 400, team: 10 });
  const res = await stack.h.http.patch(`/admin/staff/${co.backendJunior.id}`).set('Authorization', `Bearer ${co.admin.token}`).send({ active: false });
  expect(res.status).toBe(200);
  return co;
}

/** What each request must look like after the fault: the same as a request that met none. */
async function expectExactlyOnce(co: Company, ids: string[], c: Client, baseline: Footprint) {
  const { h } = stack;
  expect(new Set(ids).size).toBe(N);
  // Every workflow finished (settlement included) with the request closed.
  for (const id of ids) expect((await (await requestHandle(h, id)).result()).stage).toBe('Closed');
  const stages = await h.db('requests').whereIn('id', ids).pluck('stage');
  expect(stages).toEqual(Array(N).fill('Closed'));

  for (const id of ids) expect(await footprint(id), id).toEqual(baseline);

  // The hour ledger, summed as the client's month shows it, equals the hand-computed total
  // (the N requests and the baseline one).
  const periods = await h.db('hour_ledger').where({ client_id: co.clientId }).distinct('period').pluck('period');
  let consumed = 0;
  let committed = 0;
  for (const period of periods as string[]) {
    const month = String(period).slice(0, 7);
    const summary = await c.call<{ consumedHours: number; committedHours: number }>('GET', `/clients/${co.clientId}/months/${month}`, co.manager.token);
    consumed += summary.consumedHours;
    committed += summary.committedHours;
  }
  expect(consumed).toBe((N + 1) * BILLED_PER_REQUEST);
  expect(committed).toBe(0);

  // Every notification was delivered to the webhook; at-least-once delivery repeats only a Webhook-Id.
  const notifications = await h.db('notifications').whereIn('request_id', ids).select('id', 'delivered_at');
  for (const n of notifications as { id: string; delivered_at: Date | null }[]) {
    expect(n.delivered_at, n.id).not.toBeNull();
    expect(stack.deliveries.get(n.id) ?? 0, n.id).toBeGreaterThanOrEqual(1);
  }

  // Outages answered 503 problem+json, never 500.
  for (const e of c.serverErrors) expect(e, JSON.stringify(e)).toMatchObject({ status: 503, type: expect.stringContaining('application/problem+json') });
}

type Footprint = Awaited<ReturnType<typeof footprint>>;

/** One request's effects in PostgreSQL, with ids and times left out: what must be the same for each. */
async function footprint(id: string) {
  const { db } = stack.h;
  const ledger = await rowsOf<{ kind: string; hours: number }[]>(db('hour_ledger').where({ request_id: id }).orderBy('id').select('kind', db.raw('hours::float as hours')));
  const minutes = ((await db('time_entries').where({ request_id: id }).orderBy('minutes').pluck('minutes')) as number[]).map(Number);
  const events = (await db('audit_events').where({ request_id: id }).orderBy('seq').pluck('type')) as string[];
  const notifications = (await rowsOf<{ kind: string; recipient_role: string }[]>(db('notifications').where({ request_id: id }).select('kind', 'recipient_role')))
    .map((n) => `${n.recipient_role}:${n.kind}`)
    .sort();
  return { ledger: ledger.map((l) => `${l.kind} ${l.hours}`), minutes, events, notifications };
}

async function run(name: string, fault: (c: Client) => Promise<void>) {
  const co = await company();
  // A request that meets no fault is the measure of what each one must leave behind.
  const first = await lifecycle(new Client(stack.api), co, `${name}-baseline`);
  await (await requestHandle(stack.h, first)).result();
  const baseline = await footprint(first);
  expect(baseline.ledger).toEqual([`reservation ${HELD_PER_REQUEST}`, `release ${HELD_PER_REQUEST}`, `writeoff ${BILLED_PER_REQUEST}`]);
  expect(baseline.minutes).toEqual(MINUTES_PER_REQUEST);

  const c = new Client(stack.api);
  const lifecycles = Promise.all(Array.from({ length: N }, (_, i) => lifecycle(c, co, `${name}-${i}`)));
  await Promise.all([lifecycles, fault(c)]);
  c.mark('all closed');
  const ids = await lifecycles;
  console.log(`${name}: ${N} lifecycles in ${Math.round((Date.now() - c.started) / 1000)} s; ${c.serverErrors.length} 503s, ${c.networkErrors} dropped calls retried`);
  await expectExactlyOnce(co, ids, c, baseline);
  return c;
}

describe('50 concurrent lifecycles under faults', () => {
  it('survive the worker being SIGKILLed at random points and restarted', { timeout: 600_000 }, async () => {
    await run('kill', async (c) => {
      for (const share of [0.1, 0.35, 0.6].map((s) => s + Math.random() * 0.15)) {
        await c.progress(share);
        stack.killWorker();
        c.mark('worker killed');
        await sleep(500 + Math.random() * 2000);
        stack.startWorker();
        c.mark('worker started');
      }
    });
  });

  it('survive a restart of the Temporal server mid-flight', { timeout: 600_000 }, async () => {
    await run('temporal', async (c) => {
      await c.progress(0.4);
      c.mark('Temporal server stopping');
      await stack.restartTemporal();
      c.mark('Temporal server started again');
    });
  });

  it('survive PostgreSQL stopped for 20 s mid-flight, the API answering 503 problem+json meanwhile', { timeout: 600_000 }, async () => {
    const c = await run('postgres', async (c) => {
      await c.progress(0.4);
      await stack.stopDatabase();
      c.mark('PostgreSQL stopped');
      const down = Date.now();
      const res = await fetch(`${stack.api}/requests`, { headers: { Authorization: `Bearer ${'x'.repeat(43)}` } });
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.headers.get('retry-after')).toBe('5');
      expect(await res.json()).toMatchObject({ status: 503, title: 'Service Unavailable' });
      await sleep(20_000 - (Date.now() - down));
      await stack.startDatabase();
      c.mark('PostgreSQL started again');
    });
    expect(c.serverErrors.length).toBeGreaterThan(0);
  });
});
