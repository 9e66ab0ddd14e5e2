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
import { ensureWebBuilt } from './web-build';
import { close, listen } from '../api/server';
import { loadConfig } from '../config';
import { createDb, migrateLatest } from '../db/knex';
import { connectClient, connectWorker } from '../temporal/connection';
import { ensureSchedules } from '../worker/schedules';
import { createWorker } from '../worker/worker';
import { DEMO_PASSWORD, seedDemo } from './seed';
import { localMailEnv, mailServerMissing, startLocalMailServer } from './mail-server';
import { MissingTemporalCli, findTemporalCli, startEmbeddedPostgres, startTemporalDevServer, type Running } from './stack';

/** What to stop, most recently started first; each step has its own time bound. */
const stops: { what: string; ms: number; stop: () => Promise<void> }[] = [];
const say = (msg: string) => console.log(`[retainer-desk] ${msg}`);

let stopping: Promise<never> | undefined;
/**
 * Stops everything in reverse order of start: API (calls in flight finish), worker (drained),
 * connections, Temporal, PostgreSQL. A step that overruns its bound is reported and left behind;
 * the server processes are killed outright if they must be. Called once, however many signals come
 * (Ctrl-C reaches us from the terminal and again from npm).
 */
function shutdown(reason: string, code: number): Promise<never> {
  stopping ??= (async () => {
    say(`${reason}: stopping`);
    for (const { what, ms, stop } of stops) {
      let timer: NodeJS.Timeout | undefined;
      const overran = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
      const outcome = await Promise.race([stop().then(() => 'done' as const, (err: unknown) => (console.error(err), 'failed' as const)), overran]);
      clearTimeout(timer);
      if (outcome === 'late') say(`${what} did not stop within ${ms / 1000} s; going on`);
    }
    say('stopped');
    process.exit(code);
  })();
  return stopping;
}

async function main() {
  let config = loadConfig();
  fs.mkdirSync(config.dataDir, { recursive: true });
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));

  // The mail channel: the configured servers, or a local one for the demo (support@ reads its
  // mailbox; every person's mail lands in a mailbox of their address on it).
  let mailNote = 'not configured (set IMAP_HOST / SMTP_HOST)';
  if (!config.mail) {
    const missing = mailServerMissing();
    if (missing) {
      say(`no local mail server: ${missing}`);
    } else {
      const mailServer = await startLocalMailServer({ logFile: path.join(config.dataDir, 'mail.log') });
      stops.unshift({ what: 'the mail server', ms: 6_000, stop: () => mailServer.stop() });
      config = loadConfig({ ...process.env, ...localMailEnv(mailServer, 'support@demo.retainer.desk'), MAIL_POLL_SECONDS: process.env.MAIL_POLL_SECONDS || '10' });
      mailNote = `local: SMTP ${mailServer.host}:${mailServer.smtpPort}, IMAP ${mailServer.host}:${mailServer.imapPort} (any password; support@demo.retainer.desk is read)`;
    }
  } else {
    mailNote = `${config.mail.imap ? `IMAP ${config.mail.imap.host}` : 'no mailbox'}, ${config.mail.smtp ? `SMTP ${config.mail.smtp.host}` : 'no outgoing mail'}`;
  }

  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    say(`starting embedded PostgreSQL (data in ${path.join(config.dataDir, 'pg')})`);
    // Its own process group: Ctrl-C reaches us, and PostgreSQL stops last, after the worker has drained.
    const pg = await startEmbeddedPostgres({ dir: path.join(config.dataDir, 'pg'), port: config.embeddedPgPort, ownProcessGroup: true });
    stops.unshift({ what: 'PostgreSQL', ms: 15_000, stop: () => pg.stop() });
    databaseUrl = pg.url;
  }

  let uiUrl = 'your Temporal UI';
  let startedUi: string | undefined;
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
    stops.unshift({ what: 'the Temporal dev server', ms: 12_000, stop: () => temporal.stop() });
    process.env.TEMPORAL_ADDRESS = temporal.address;
    uiUrl = temporal.uiUrl;
    startedUi = temporal.uiUrl;
  }

  const db = createDb(databaseUrl);
  stops.unshift({ what: 'the database pool', ms: 3_000, stop: () => db.destroy() });
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
  stops.unshift({ what: 'the Temporal client', ms: 3_000, stop: () => temporalClient.connection.close() });
  const { connection, namespace } = await connectWorker();
  const worker = await createWorker({ connection, namespace, db, webhook: config.webhook, mail: config.mail, maxCachedWorkflows: config.workerMaxCachedWorkflows });
  await ensureSchedules(temporalClient, { everyMinutes: config.workloadReviewMinutes, mailEverySeconds: config.mail ? config.mailPollSeconds : undefined });
  const workerDone = worker.run();
  stops.unshift({
    what: 'the worker',
    ms: 20_000,
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await workerDone.catch(() => undefined);
      await connection.close();
    },
  });

  ensureWebBuilt(say);
  const ui = config.temporalUiUrl ?? startedUi;
  const app = createApp({
    db,
    temporal: temporalClient,
    logger,
    rateLimitPerMinute: config.rateLimitPerMinute,
    updateWaitMs: config.updateWaitMs,
    attachmentLimits: config.attachmentLimits,
    temporalUi: ui ? { url: ui, namespace: temporalClient.options.namespace } : undefined,
  });
  const server: Server = await listen(app, config.port);
  // Live streams end first (browsers reconnect), then calls in flight get their grace.
  stops.unshift({ what: 'the API', ms: 8_000, stop: () => (app.locals.close as () => Promise<void>)().then(() => close(server, 5_000)) });

  const api = `http://localhost:${config.port}`;
  console.log(`
Retainer Desk is running.
  Web app      ${api}/app/   (sign in as ${demo.people.client?.email ?? 'the client'}, ${demo.people.manager?.email ?? 'the manager'} or any demo person; password ${DEMO_PASSWORD})
  API          ${api}   (try: curl -H "Authorization: Bearer $MANAGER" ${api}/requests)
  Temporal UI  ${uiUrl}
  Mail         ${mailNote}
  Demo client  ${demo.clientId} (Northwind Trading, 40 h/month)
  Demo tokens (also in ${path.join(config.dataDir, 'demo-credentials.json')}):
${Object.entries(demo.people)
  .map(([key, p]) => `    ${key.padEnd(15)} ${p.role.padEnd(10)} ${p.name.padEnd(14)} ${p.token}`)
  .join('\n')}
Press Ctrl-C to stop.`);

  await workerDone.catch(async (err: unknown) => {
    if (stopping) return;
    console.error('worker failed', err);
    await shutdown('worker failure', 1);
  });
}

main().catch(async (err: unknown) => {
  console.error(err);
  await shutdown('start-up failed', 1);
});
