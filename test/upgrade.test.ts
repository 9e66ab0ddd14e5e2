// A live upgrade: a request opened and taken half-way on a worker running the previous release's
// workflow code and activities (built from that commit's sources), then finished on a worker
// running today's code, on the same task queue, through the API. Requests running when a release
// is deployed must finish under it.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createApp } from '../src/api/app';
import { createLogger } from '../src/observability';
import { connectWorker } from '../src/temporal/connection';
import { createWorker } from '../src/worker/worker';
import { Flow, eventually } from './support/flow';
import { makeCompany, openHarness, type Company, type Harness, requestHandle } from './support/harness';
import { expectReadModelEqualsWorkflow } from './support/read-model';
import supertest from 'supertest';

/** The release before bounded state: the last commit whose workflow kept every record in its state. */
const PREVIOUS_RELEASE = 'b2030da';

const root = path.resolve(__dirname, '..');
const oldDir = path.join(root, '.data', `release-${PREVIOUS_RELEASE}-${randomUUID().slice(0, 8)}`);
let h: Harness;
let co: Company;

beforeAll(async () => {
  fs.mkdirSync(oldDir, { recursive: true });
  // Its sources, inside the project so that they resolve the same node_modules.
  const archive = execFileSync('git', ['archive', '--format=tar', PREVIOUS_RELEASE, 'src', 'migrations'], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
  execFileSync('tar', ['-x', '-C', oldDir], { input: archive });
  h = await openHarness();
  co = await makeCompany(h);
});
afterAll(async () => {
  await h?.close();
  fs.rmSync(oldDir, { recursive: true, force: true });
});

it('a request half-way on the previous release finishes on this one: same queue, same API, nothing lost or done twice', { timeout: 240_000 }, async () => {
  const taskQueue = `upgrade-${randomUUID()}`;
  const app = createApp({ db: h.db, temporal: h.temporal, taskQueue, logger: createLogger('warn'), rateLimitPerMinute: 0 });
  const api: Harness = { ...h, app, http: supertest(app), get: (p, t) => supertest(app).get(p).set('Authorization', `Bearer ${t}`), post: (p, t, b = {}) => supertest(app).post(p).set('Authorization', `Bearer ${t}`).send(b as object) };
  const f = new Flow(api, co);

  // The previous release's worker: its workflow bundle and its activities.
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

  const id = await f.decomposed([{ title: 'Nightly import', skill: co.skills.backend, assigneeId: co.backendSenior.id }]);
  await f.act(`/requests/${id}/tasks/T1/estimate`, co.backendSenior, { hours: 6, complexity: 'low' });
  await f.act(`/requests/${id}/approve`, co.client, { acceptOverage: true });
  for (const minutes of [60, 45, 30]) await f.act(`/requests/${id}/time`, co.backendSenior, { taskId: 'T1', minutes, category: 'execution', note: `old ${minutes}` });
  await f.act(`/requests/${id}/time/1/correct`, co.backendSenior, { minutes: 50, note: 'old, corrected' });
  const half = await f.state(id);
  expect(half.stage).toBe('Execution');
  expect(half.timeEntries).toHaveLength(3); // the previous release kept every entry in its state

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
    // The new code took its own branch from the upgrade on: the history says so.
    const history = await (await requestHandle(h, id)).fetchHistory();
    const patches = (history.events ?? [])
      .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
      .map((e) => Object.values(e.markerRecordedEventAttributes?.details ?? {}).flatMap((p) => (p.payloads ?? []).map((x) => Buffer.from(x.data ?? []).toString())).join(' '));
    expect(patches.join(' ')).toContain('bounded-state');
  } finally {
    worker.shutdown();
    await run;
    await connection.close();
    await (app.locals.close as () => Promise<void>)();
  }
});
