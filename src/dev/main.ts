// `npm run dev`: the whole system in one process tree on the embedded default. PostgreSQL and
// the Temporal dev server keep their data under .data/, so stopping and starting again resumes
// the same requests and the same open workflows. With DATABASE_URL or Temporal's environment
// configuration set, those are used and nothing is started for them.
import fs from 'node:fs';
import path from 'node:path';
import type { Server } from 'node:http';
import { Runtime } from '@temporalio/worker';
import { createLogger, temporalLogger } from '../observability';
import { createApp } from '../api/app';
import { loadConfig } from '../config';
import { createDb, migrateLatest } from '../db/knex';
import { connectClient, connectWorker } from '../temporal/connection';
import { ensureSchedules } from '../worker/schedules';
import { createWorker } from '../worker/worker';
import { seedDemo } from './seed';
import { MissingTemporalCli, findTemporalCli, startEmbeddedPostgres, startTemporalDevServer, type Running } from './stack';

const stops: (() => Promise<void>)[] = [];
const say = (msg: string) => console.log(`[retainer-desk] ${msg}`);

let stopping = false;
/** Stops everything in reverse order of start: API, worker, connections, Temporal, PostgreSQL. */
async function shutdown(reason: string, code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say(`${reason}: stopping`);
    for (const stop of stops) {
      await stop().catch((err: unknown) => console.error(err));
    }
    say('stopped');
  }
  process.exit(code);
}

async function main() {
  const config = loadConfig();
  fs.mkdirSync(config.dataDir, { recursive: true });
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));

  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    say(`starting embedded PostgreSQL (data in ${path.join(config.dataDir, 'pg')})`);
    const pg = await startEmbeddedPostgres({ dir: path.join(config.dataDir, 'pg'), port: config.embeddedPgPort });
    stops.unshift(() => pg.stop());
    databaseUrl = pg.url;
  }

  let uiUrl = 'your Temporal UI';
  if (!config.temporalConfigured) {
    let cli: string;
    try {
      cli = findTemporalCli();
    } catch (err) {
      if (err instanceof MissingTemporalCli) {
        console.error(err.message);
        await shutdown('no Temporal CLI', 2);
      }
      throw err;
    }
    say(`starting the Temporal dev server (${cli})`);
    const temporal: Running & { address: string; uiUrl: string } = await startTemporalDevServer({
      cli,
      dbFile: path.join(config.dataDir, 'temporal.sqlite'),
      port: config.temporalPort,
      uiPort: config.temporalUiPort,
      logFile: path.join(config.dataDir, 'temporal.log'),
    });
    stops.unshift(() => temporal.stop());
    process.env.TEMPORAL_ADDRESS = temporal.address;
    uiUrl = temporal.uiUrl;
  }

  const db = createDb(databaseUrl);
  stops.unshift(() => db.destroy());
  const applied = await migrateLatest(db);
  if (applied.length) say(`migrated: ${applied.join(', ')}`);
  const demo = await seedDemo(db, path.join(config.dataDir, 'demo-credentials.json'));

  const logger = createLogger(config.logLevel);
  Runtime.install({
    shutdownSignals: [],
    logger: temporalLogger(logger, 'WARN'),
    ...(config.workerMetricsPort ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${config.workerMetricsPort}` } } } } : {}),
  });
  const temporalClient = await connectClient();
  stops.unshift(() => temporalClient.connection.close());
  const { connection, namespace } = await connectWorker();
  const worker = await createWorker({ connection, namespace, db, webhook: config.webhook, maxCachedWorkflows: config.workerMaxCachedWorkflows });
  await ensureSchedules(temporalClient, { everyMinutes: config.workloadReviewMinutes, underuseCheckDay: config.underuseCheckDay });
  const workerDone = worker.run();
  stops.unshift(async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await workerDone;
    await connection.close();
  });

  const server: Server = await new Promise((resolve) => {
    const s = createApp({ db, temporal: temporalClient, context: config.requestContext, logger, rateLimitPerMinute: config.rateLimitPerMinute }).listen(config.port, () => resolve(s));
  });
  stops.unshift(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const api = `http://localhost:${config.port}`;
  console.log(`
Retainer Desk is running.
  API          ${api}   (try: curl -H "Authorization: Bearer $MANAGER" ${api}/requests)
  Temporal UI  ${uiUrl}
  Demo client  ${demo.clientId} (Northwind Trading, 40 h/month)
  Demo tokens (also in ${path.join(config.dataDir, 'demo-credentials.json')}):
${Object.entries(demo.people)
  .map(([key, p]) => `    ${key.padEnd(15)} ${p.role.padEnd(10)} ${p.name.padEnd(14)} ${p.token}`)
  .join('\n')}
Press Ctrl-C to stop.`);

  await workerDone.catch(async (err: unknown) => {
    console.error('worker failed', err);
    await shutdown('worker failure', 1);
  });
}

main().catch(async (err: unknown) => {
  console.error(err);
  await shutdown('start-up failed', 1);
});
