// The production shape measured beside the dev server: lifecycle throughput and p99 on the
// Temporal cluster (four services on PostgreSQL) with one worker and with two, and how long the
// requests a worker held wait after it dies before another worker takes them on (Temporal moves a
// workflow off a dead worker's sticky queue once its schedule-to-start timeout passes).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, migrateLatest } from '../src/db/knex';
import { freePort, startEmbeddedPostgres } from '../src/dev/stack';
import { CLUSTER } from '../src/cluster/shape';
import { startCluster, type Cluster } from '../src/cluster/stack';
import { call, seedCompany, type BenchCompany, type BenchStack } from './stack';
import { pool, quantile } from './stats';
import { ourLifecycle } from './throughput';

export interface ShapeRun {
  shape: string;
  lifecycles: number;
  concurrency: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export interface WorkerDeath {
  shape: string;
  /** Requests whose next action was sent right after the kill. */
  requests: number;
  /** How long that action took, the median and the longest (the requests the dead worker held). */
  medianMs: number;
  maxMs: number;
}

export interface ClusterBench {
  temporalVersion: string;
  shards: number;
  runs: ShapeRun[];
  deaths: WorkerDeath[];
}

/** Lifecycles at a fixed concurrency, each timed from filing to closure. */
async function lifecycles(s: { company: BenchCompany; apis: string[] }, shape: string, n: number, concurrency: number, log: (line: string) => void): Promise<ShapeRun> {
  const times: number[] = [];
  // Warm up (bundles, connections, caches).
  await pool(concurrency, concurrency, async (i) => ourLifecycle({ company: s.company, api: s.apis[i % s.apis.length]! }, -1 - i));
  const start = performance.now();
  await pool(n, concurrency, async (i) => {
    const t = performance.now();
    await ourLifecycle({ company: s.company, api: s.apis[i % s.apis.length]! }, i);
    times.push(performance.now() - t);
  });
  const seconds = (performance.now() - start) / 1000;
  const run = { shape, lifecycles: n, concurrency, perSecond: n / seconds, p50Ms: quantile(times, 0.5), p99Ms: quantile(times, 0.99) };
  log(`${shape}: ${run.perSecond.toFixed(2)} lifecycles/s, p50 ${run.p50Ms.toFixed(0)} ms, p99 ${run.p99Ms.toFixed(0)} ms`);
  return run;
}

/** Requests taken half-way; the worker is killed; each takes its next action at once. */
async function afterDeath(api: string, co: BenchCompany, shape: string, n: number, kill: () => Promise<void>, log: (line: string) => void): Promise<WorkerDeath> {
  const ids: { id: string; specialist: string }[] = [];
  await pool(n, 10, async (i) => {
    const { requestId: id } = await call(api, 'POST', '/requests', co.client.token, { title: `Death ${i}`, description: 'Held by a worker.' });
    await call(api, 'POST', `/requests/${id}/triage`, co.manager.token, { decision: 'delegate' });
    const { tasks } = await call(api, 'POST', `/requests/${id}/decompose`, co.manager.token, { brief: 'B.', tasks: [{ title: 'T', skill: 'backend', complexity: 'low' }] });
    ids.push({ id, specialist: co.specialists.find((p) => p.id === tasks[0]?.assigneeId)!.token });
  });
  await kill();
  const times: number[] = [];
  await Promise.all(
    ids.map(async ({ id, specialist }) => {
      const t = performance.now();
      await call(api, 'POST', `/requests/${id}/tasks/T1/estimate`, specialist, { hours: 2, complexity: 'low' });
      times.push(performance.now() - t);
    }),
  );
  const death = { shape, requests: n, medianMs: quantile(times, 0.5), maxMs: Math.max(...times) };
  log(`${shape}: after the kill, the next action took ${death.medianMs.toFixed(0)} ms (median), ${death.maxMs.toFixed(0)} ms at most`);
  return death;
}

export async function clusterBench(devStack: () => Promise<BenchStack>, n: number, concurrency: number, log: (line: string) => void): Promise<ClusterBench> {
  const runs: ShapeRun[] = [];
  const deaths: WorkerDeath[] = [];

  // The dev server: one process, SQLite; one worker, one API.
  const dev = await devStack();
  try {
    runs.push(await lifecycles({ ...dev, apis: [dev.api] }, 'dev server, 1 worker', n, concurrency, log));
    deaths.push(
      await afterDeath(dev.api, dev.company, 'dev server: the only worker killed (-9) and started again', 20, async () => {
        process.kill(dev.workerPid(), 'SIGKILL');
        await dev.restartWorker();
      }, log),
    );
  } finally {
    await dev.close();
  }

  for (const workers of [1, 2]) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'retainer-desk-bench-cluster-'));
    fs.chmodSync(dir, 0o755);
    const pg = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port: await freePort() });
    let cluster: Cluster | undefined;
    try {
      const db = createDb(pg.url, { min: 0, max: 5 });
      await migrateLatest(db);
      const company = await seedCompany(db);
      cluster = await startCluster({ dir: path.join(dir, 'cluster'), databaseUrl: pg.url, deskDatabaseUrl: pg.url, workers, env: { RATE_LIMIT_PER_MINUTE: '0', WORKER_METRICS_PORT: '0' }, say: log });
      const apis = cluster.apis.map((a) => a.url);
      runs.push(await lifecycles({ company, apis }, `cluster, ${workers} worker${workers > 1 ? 's' : ''}, ${apis.length} APIs`, n, concurrency, log));
      if (workers === 2) {
        const c = cluster;
        deaths.push(await afterDeath(apis[0]!, company, 'cluster: one of two workers killed (-9), not restarted', 20, () => Promise.resolve(c.workers[0]!.kill('SIGKILL')), log));
      }
      await db.destroy();
    } finally {
      await cluster?.stop();
      await pg.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return { temporalVersion: CLUSTER.temporalVersion, shards: CLUSTER.numHistoryShards, runs, deaths };
}
