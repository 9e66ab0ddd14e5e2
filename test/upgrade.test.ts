// Live upgrades: a request opened and taken half-way on a worker running an earlier release's
// workflow code and activities (built from that commit's sources), then finished on a worker
// running today's code, on the same task queue, through the API. Requests running when a release
// is deployed must finish under it.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { createApp } from '../src/api/app';
import type { RequestState } from '../src/domain';
import { intakeUpdate, requestWorkflowId, type RequestOutcome } from '../src/shared/contract';
import { intakeTerms } from '../src/stores/intake';
import { requestWorkflow } from '../src/workflows';
import { createLogger } from '../src/observability';
import { connectWorker } from '../src/temporal/connection';
import { createWorker } from '../src/worker/worker';
import { Flow, eventually } from './support/flow';
import { TEST_CONTEXT, makeCompany, openHarness, type Company, type Harness, requestHandle } from './support/harness';
import { expectReadModelEqualsWorkflow } from './support/read-model';
import supertest from 'supertest';

/**
 * The releases a request is upgraded from, live: the previous release (the one deployed before
 * this code: generation 6), the one before it (generation 4, which marks its generation in every
 * run), and the release before bounded state (the last whose workflow kept every record in its
 * state), whose requests take every change since, one by one.
 */
const PREVIOUS_RELEASE = '9bef910';
const GENERATION_4_RELEASE = '8d4b753';
const BEFORE_BOUNDED_STATE = 'b2030da';

const root = path.resolve(__dirname, '..');
const dirs: string[] = [];
let h: Harness;
let co: Company;

beforeAll(async () => {
  h = await openHarness();
  co = await makeCompany(h);
});
afterAll(async () => {
  await h?.close();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** That release's sources, inside the project so that they resolve the same node_modules. */
function sourcesOf(release: string): string {
  const dir = path.join(root, '.data', `release-${release}-${randomUUID().slice(0, 8)}`);
  dirs.push(dir);
  fs.mkdirSync(dir, { recursive: true });
  const archive = execFileSync('git', ['archive', '--format=tar', release, 'src', 'migrations'], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  return dir;
}

/** The patch markers of each run of the request (the dev server suggests continuing as new early), first run first. */
async function patchMarkers(id: string): Promise<string[]> {
  const runs: string[] = [];
  for (let runId: string | undefined; ; ) {
    const events = (await (await requestHandle(h, id, runId)).fetchHistory()).events ?? [];
    runs.unshift(
      events
        .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
        .map((e) => Object.values(e.markerRecordedEventAttributes?.details ?? {}).flatMap((p) => (p.payloads ?? []).map((x) => Buffer.from(x.data ?? []).toString())).join(' '))
        .join(' '),
    );
    runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? undefined;
    if (!runId) return runs;
  }
}

/**
 * A request filed and taken half-way on a worker running `release`'s workflow code and
 * activities, then finished on a worker running today's code, on the same task queue, through
 * this API; `file` files it. Answers the request's id once it is closed and checked.
 */
async function upgradeFrom(release: string, file: (f: Flow, taskQueue: string) => Promise<string>, half: (state: RequestState) => void, { oldApi = false } = {}): Promise<string> {
  const oldDir = sourcesOf(release);
  const taskQueue = `upgrade-${randomUUID()}`;
  const harnessOf = (app: Harness['app']): Harness => ({ ...h, app, http: supertest(app), get: (p, t) => supertest(app).get(p).set('Authorization', `Bearer ${t}`), post: (p, t, b = {}) => supertest(app).post(p).set('Authorization', `Bearer ${t}`).send(b as object) });
  const app = createApp({ db: h.db, temporal: h.temporal, taskQueue, logger: createLogger('warn'), rateLimitPerMinute: 0 });
  const api = harnessOf(app);
  // The first half through that release's own API (a deploy: workers first, then the APIs), or through this one.
  const before = oldApi
    ? (await import(path.join(oldDir, 'src/api/app.ts')) as { createApp: typeof createApp }).createApp({
        db: h.db,
        temporal: h.temporal,
        taskQueue,
        logger: (await import(path.join(oldDir, 'src/observability.ts')) as { createLogger: typeof createLogger }).createLogger('warn'),
        rateLimitPerMinute: 0,
      })
    : app;
  const old = new Flow(harnessOf(before), co);
  const f = new Flow(api, co);

  // That release's worker: its workflow bundle and its activities.
  const oldActivities = (await import(path.join(oldDir, 'src/activities/index.ts'))) as { createActivities: (deps: object) => object };
  const oldBundle = await bundleWorkflowCode({ workflowsPath: path.join(oldDir, 'src/workflows/index.ts'), logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} } as never });
  const oldConnection = await connectWorker({ ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress') });
  const oldWorker = await Worker.create({
    connection: oldConnection.connection,
    namespace: oldConnection.namespace,
    taskQueue,
    workflowBundle: oldBundle,
    activities: oldActivities.createActivities({ db: h.db, temporal: h.temporal }),
  });
  const oldRun = oldWorker.run();

  const id = await file(old, taskQueue);
  await old.act(`/requests/${id}/triage`, co.manager, { decision: 'delegate' });
  await old.act(`/requests/${id}/decompose`, co.manager, { brief: 'Make the imports nightly.', tasks: [{ title: 'Nightly import', skill: co.skills.backend, assigneeId: co.backendSenior.id }] });
  await old.act(`/requests/${id}/tasks/T1/estimate`, co.backendSenior, { hours: 6, complexity: 'low' });
  await old.act(`/requests/${id}/approve`, co.client, { acceptOverage: true });
  for (const minutes of [60, 45, 30]) await old.act(`/requests/${id}/time`, co.backendSenior, { taskId: 'T1', minutes, category: 'execution', note: `old ${minutes}` });
  await old.act(`/requests/${id}/time/1/correct`, co.backendSenior, { minutes: 50, note: 'old, corrected' });
  const halfway = await old.state(id);
  expect(halfway.stage).toBe('Execution');
  half(halfway);

  oldWorker.shutdown();
  await oldRun;
  await oldConnection.connection.close();

  // Today's worker on the same queue takes the request over.
  const { connection, namespace } = await connectWorker({ ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress') });
  const worker = await createWorker({ connection, namespace, db: h.db, taskQueue, workflowBundle: { code: inject('workflowBundleCode') } });
  const run = worker.run();
  try {
    await f.act(`/requests/${id}/time`, co.backendSenior, { taskId: 'T1', minutes: 20, category: 'execution', note: 'new 20' });
    await f.act(`/requests/${id}/time/2/correct`, co.backendSenior, { minutes: 40, note: 'old, corrected on the new release' });
    await f.act(`/requests/${id}/tasks/T1/complete`, co.backendSenior, { result: 'Imports run nightly.' });
    await f.act(`/requests/${id}/accept-result`, co.manager);
    await f.act(`/requests/${id}/confirm-closure`, co.client);

    const entries = await f.entries(id);
    expect(entries.map((e) => [e.minutes, e.note, e.revision])).toEqual([
      [50, 'old, corrected', 2],
      [40, 'old, corrected on the new release', 2],
      [30, 'old 30', 1],
      [20, 'new 20', 1],
    ]);
    await expectReadModelEqualsWorkflow(api, id);
    // Written off once, from the entries as they stand: 140 min within a budget of 6.75 h.
    const ledger = await eventually(
      () => h.db('hour_ledger').where({ request_id: id, kind: 'writeoff' }),
      (rows) => rows.length > 0,
      'the write-off',
    );
    expect(ledger.map((r: { hours: string }) => Number(r.hours))).toEqual([2.25]);
    // Its workflow ends on today's worker (a moment after the closing answer, from generation 6 on).
    await (await requestHandle(h, id)).result();
    return id;
  } finally {
    worker.shutdown();
    await run;
    await connection.close();
    await (app.locals.close as () => Promise<void>)();
    if (before !== app) await (before.locals.close as () => Promise<void>)();
  }
}

it('a request half-way on the previous release (workers and API) finishes on this one: same queue, nothing lost, written off once', { timeout: 240_000 }, async () => {
  // Filed through that release's API, which started it at generation 6 (no marker): it keeps
  // generation 6's way to its end (a timer for each moment that matters), and this code replays its history.
  const id = await upgradeFrom(PREVIOUS_RELEASE, (f) => f.file('Nightly import'), () => undefined, { oldApi: true });
  expect((await patchMarkers(id)).join('')).toBe('');
  // Its last run ends as the generation it was started with says: from generation 6 on, its
  // closing answer handed the last write out (and the workflow's result keeps it); before, the
  // workflow made it itself.
  const handle = await requestHandle(h, id);
  const started = (await handle.fetchHistory()).events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
  const generation = (JSON.parse(Buffer.from(started ?? []).toString()) as { generation?: number }).generation ?? 0;
  expect(generation).toBeGreaterThanOrEqual(6);
  const outcome = (await handle.result()) as RequestOutcome;
  expect(outcome.last !== undefined).toBe(generation >= 6);
});

it('a request half-way on the release of generation 4 finishes on this one: same queue, same API, nothing lost or done twice', { timeout: 240_000 }, async () => {
  // Filed through this API, which says in the workflow's input which generation it knows: that
  // release's worker ran the first task all the same, and its generation's marker says so.
  const id = await upgradeFrom(GENERATION_4_RELEASE, (f) => f.file('Nightly import'), () => undefined);
  const [first, ...later] = await patchMarkers(id);
  expect(first).toContain('generation-4');
  // That run keeps generation 4's way to its end; a run this code starts (continue-as-new) asks nothing.
  expect(first).not.toContain('answered-intake');
  expect(later.join('')).toBe('');
});

it('a request half-way on the release before bounded state finishes on this one: nothing lost or done twice', { timeout: 240_000 }, async () => {
  // Filed as that release's API filed it: its input says nothing of generations (that API knew none).
  const file = async (_f: Flow, taskQueue: string) => {
    const requestId = randomUUID();
    await h.temporal.workflow.executeUpdateWithStart(intakeUpdate, {
      startWorkflowOperation: new WithStartWorkflowOperation(requestWorkflow, {
        workflowId: requestWorkflowId(requestId),
        taskQueue,
        args: [{ requestId, clientId: co.clientId, title: 'Nightly import', description: 'd', priority: 'normal', createdBy: { id: co.client.id, role: 'client', clientId: co.clientId }, context: TEST_CONTEXT, intake: await intakeTerms(h.db, co.clientId) }],
        workflowIdConflictPolicy: 'USE_EXISTING',
      }),
    });
    return requestId;
  };
  // That release kept every entry in its state.
  const id = await upgradeFrom(BEFORE_BOUNDED_STATE, file, (half) => expect(half.timeEntries).toHaveLength(3));
  expect((await patchMarkers(id)).join(' ')).toContain('bounded-state');
});
