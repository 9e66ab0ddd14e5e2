// `npm run worker`: a stateless worker; scale out by running more of them.
import { loadConfig } from '../config';
import { createDb } from '../db/knex';
import { connectWorker } from '../temporal/connection';
import { Client } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import { createLogger, temporalLogger } from '../observability';
import { ensureSchedules } from './schedules';
import { createWorker } from './worker';

async function main() {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  Runtime.install({
    logger: temporalLogger(logger, 'INFO'),
    ...(config.workerMetricsPort ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `0.0.0.0:${config.workerMetricsPort}` } } } } : {}),
  });
  if (!config.databaseUrl) throw new Error('DATABASE_URL is required (npm run dev sets it up for you)');
  const db = createDb(config.databaseUrl);
  const { connection, namespace } = await connectWorker();
  const worker = await createWorker({ connection, namespace, db, webhook: config.webhook, mail: config.mail, maxCachedWorkflows: config.workerMaxCachedWorkflows, closingsSweepMs: config.closingsSweepSeconds * 1000 });
  await ensureSchedules(new Client({ connection, namespace }), { everyMinutes: config.workloadReviewMinutes, mailEverySeconds: config.mail ? config.mailPollSeconds : undefined });
  // Worker.run stops on SIGINT/SIGTERM (the SDK's default shutdown signals) after in-flight tasks end.
  await worker.run();
  await connection.close();
  await db.destroy();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
