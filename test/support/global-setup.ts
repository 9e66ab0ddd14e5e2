// One embedded PostgreSQL, one Temporal dev server and one real worker for the whole run.
import { ensureWebBuilt } from '../../src/dev/web-build';
import { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { createDb, migrateLatest } from '../../src/db/knex';
import { startScratchStack } from '../../src/dev/stack';
import { connectWorker } from '../../src/temporal/connection';
import { ensureSchedules } from '../../src/worker/schedules';
import { bundleWorkflows, createWorker } from '../../src/worker/worker';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    temporalAddress: string;
    workflowBundleCode: string;
  }
}

export default async function setup(project: TestProject) {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  // The browser tests use the web app as the sources say.
  ensureWebBuilt((line) => console.log(`[setup] ${line}`));
  // Long requests continue as new early, so every test exercises it.
  const stack = await startScratchStack('retainer-desk-test-', ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=60']);
  const { pg, temporal } = stack;
  const db = createDb(pg.url);
  await migrateLatest(db);

  const env = { ...process.env, TEMPORAL_ADDRESS: temporal.address };
  const { connection, namespace } = await connectWorker(env);
  const workflowBundle = await bundleWorkflows();
  const worker = await createWorker({ connection, namespace, db, workflowBundle });
  const running = worker.run();
  await ensureSchedules(new Client({ connection, namespace }), { everyMinutes: 60 });

  project.provide('databaseUrl', pg.url);
  project.provide('temporalAddress', temporal.address);
  project.provide('workflowBundleCode', workflowBundle.code);

  return async () => {
    worker.shutdown();
    await running;
    await connection.close();
    await db.destroy();
    await stack.stop();
  };
}
