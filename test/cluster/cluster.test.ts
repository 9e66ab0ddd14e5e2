// The production shape under faults: the real Temporal server (built from its Go module) with its
// four services as separate processes on PostgreSQL, two Retainer Desk workers and two APIs, all
// as `npm run cluster` starts them. 200 full lifecycles at once while (1) one worker is killed
// (-9) and not restarted, (2) the history service is killed and restarted, (3) one API is killed
// and clients retry on the other, (4) PostgreSQL is stopped for 20 s. After each: every request
// closed, the hour ledger at the hand-computed total, nothing (time entry, write-off, notification,
// ledger row, action) twice.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, migrateLatest } from '../../src/db/knex';
import { freePort, startEmbeddedPostgres, type EmbeddedPg } from '../../src/dev/stack';
import { startCluster, type Cluster } from '../../src/cluster/stack';
import { CLUSTER } from '../../src/cluster/shape';
import { openHarness, type Harness } from '../support/harness';
import { runLifecycles, sleep, type LifecycleStack } from '../support/lifecycles';

const N = Number(process.env.CLUSTER_LIFECYCLES ?? 200);

let dir: string;
let pg: EmbeddedPg;
let cluster: Cluster;
let h: Harness;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'retainer-desk-cluster-'));
  fs.chmodSync(dir, 0o755);
  pg = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port: await freePort() });
  const db = createDb(pg.url);
  await migrateLatest(db);
  await db.destroy();
  cluster = await startCluster({ dir: path.join(dir, 'cluster'), databaseUrl: pg.url, deskDatabaseUrl: pg.url, env: { RATE_LIMIT_PER_MINUTE: '0' }, say: () => undefined });
  h = await openHarness({ databaseUrl: pg.url, temporalAddress: cluster.frontend, rateLimitPerMinute: 0 });
}, 900_000);

afterAll(async () => {
  await h?.close();
  await cluster?.stop();
  await pg?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, 120_000);

const lifecycleStack = (): LifecycleStack => ({ h, apis: cluster.apis.map((a) => a.url) });

describe(`${N} lifecycles at once on a Temporal cluster (${CLUSTER.services.length} services, ${CLUSTER.numHistoryShards} shards), two workers, two APIs`, () => {
  it('one of the two workers is killed (-9) and not restarted: the other carries on', { timeout: 1_200_000 }, async () => {
    expect(cluster.workers.every((w) => w.running)).toBe(true);
    await runLifecycles(lifecycleStack(), 'worker', N, async (c) => {
      await c.progress(0.3);
      cluster.workers[0]!.kill('SIGKILL');
      c.mark('worker 1 killed, not restarted');
    });
    expect(cluster.workers[0]!.running).toBe(false);
    await cluster.workers[0]!.start();
  });

  it('the history service is killed (-9) and started again', { timeout: 1_200_000 }, async () => {
    await runLifecycles(lifecycleStack(), 'history', N, async (c) => {
      await c.progress(0.4);
      cluster.temporal.history.kill('SIGKILL');
      c.mark('history killed');
      await sleep(2_000);
      await cluster.temporal.history.start();
      c.mark('history started again');
    });
  });

  it('one API is killed (-9): clients retry on the other', { timeout: 1_200_000 }, async () => {
    const c = await runLifecycles(lifecycleStack(), 'api', N, async (c) => {
      await c.progress(0.4);
      cluster.apis[0]!.kill('SIGKILL');
      c.mark('API 1 killed');
    });
    expect(c.networkErrors).toBeGreaterThan(0);
    await cluster.apis[0]!.start();
  });

  it('PostgreSQL is stopped for 20 s', { timeout: 1_200_000 }, async () => {
    await runLifecycles(lifecycleStack(), 'postgres', N, async (c) => {
      await c.progress(0.4);
      await pg.stop();
      c.mark('PostgreSQL stopped');
      await sleep(20_000);
      await pg.start();
      c.mark('PostgreSQL started again');
    });
  });
});
