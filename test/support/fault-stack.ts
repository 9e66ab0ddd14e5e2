// A stack of its own for the fault tests, with every part separately breakable: an embedded
// PostgreSQL that can be stopped and started, a Temporal dev server on a SQLite file that can be
// restarted, the real worker (`src/worker/main.ts`) as a child process that can be SIGKILLed, a
// webhook receiver counting deliveries, and the API listening on a real port.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createDb, migrateLatest } from '../../src/db/knex';
import { startScratchStack } from '../../src/dev/stack';
import { openHarness, type Harness } from './harness';

const ROOT = path.resolve(__dirname, '../..');

export interface FaultStack {
  h: Harness;
  /** The API's base URL. */
  api: string;
  /** Webhook deliveries received, by Webhook-Id (a redelivery counts again). */
  deliveries: Map<string, number>;
  killWorker(): void;
  startWorker(): void;
  stopDatabase(): Promise<void>;
  startDatabase(): Promise<void>;
  restartTemporal(): Promise<void>;
  close(): Promise<void>;
}

export async function openFaultStack(): Promise<FaultStack> {
  const stack = await startScratchStack('retainer-desk-faults-');
  const { dir, pg, temporal } = stack;
  const migrator = createDb(pg.url);
  await migrateLatest(migrator);
  await migrator.destroy();

  const deliveries = new Map<string, number>();
  const receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      deliveries.set(id, (deliveries.get(id) ?? 0) + 1);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));

  const workerEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: pg.url,
    TEMPORAL_ADDRESS: temporal.address,
    WORKER_METRICS_PORT: '0',
    LOG_LEVEL: 'warn',
    WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
    WEBHOOK_SECRET: 'fault-test-secret',
  };
  const workerLog = fs.openSync(path.join(dir, 'worker.log'), 'a');
  let worker: ChildProcess | undefined;
  const startWorker = () => {
    // node itself (not the tsx wrapper), so SIGKILL reaches the process that runs the worker.
    worker = spawn(process.execPath, ['--import', 'tsx', 'src/worker/main.ts'], { cwd: ROOT, env: workerEnv, stdio: ['ignore', workerLog, workerLog] });
  };
  const killWorker = () => {
    worker?.kill('SIGKILL');
    worker = undefined;
  };
  startWorker();

  const h = await openHarness({ databaseUrl: pg.url, temporalAddress: temporal.address, rateLimitPerMinute: 0 });
  const server = h.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));

  return {
    h,
    api: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    deliveries,
    killWorker,
    startWorker,
    stopDatabase: () => pg.stop(),
    startDatabase: () => pg.start(),
    restartTemporal: () => stack.restartTemporal(),
    close: async () => {
      killWorker();
      fs.closeSync(workerLog);
      await new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await h.close();
      receiver.close();
      await stack.stop();
    },
  };
}
