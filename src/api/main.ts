// `npm run api`: a stateless HTTP API; scale out behind a load balancer.
import { loadConfig } from '../config';
import { createDb } from '../db/knex';
import { connectClient } from '../temporal/connection';
import { createLogger } from '../observability';
import { createApp } from './app';
import { close, listen } from './server';

async function main() {
  const config = loadConfig();
  if (!config.databaseUrl) throw new Error('DATABASE_URL is required (npm run dev sets it up for you)');
  const db = createDb(config.databaseUrl);
  const temporal = await connectClient();
  const logger = createLogger(config.logLevel);
  const app = createApp({ db, temporal, logger, rateLimitPerMinute: config.rateLimitPerMinute, updateWaitMs: config.updateWaitMs, attachmentLimits: config.attachmentLimits, temporalUi: config.temporalUiUrl ? { url: config.temporalUiUrl, namespace: temporal.options.namespace } : undefined });
  const server = await listen(app, config.port);
  logger.info({ port: config.port }, 'api listening');
  /**
   * SIGTERM (or Ctrl-C): readiness fails at once and calls go on being answered for API_DRAIN_SECONDS,
   * while a load balancer moves traffic elsewhere; then no new connections, calls in flight finish
   * (5 s at most), live streams end, and the pools close.
   */
  const stop = (signal: string) => {
    logger.info({ signal, drainMs: config.drainMs }, 'api draining');
    app.locals.draining = true;
    void new Promise((r) => setTimeout(r, config.drainMs))
      .then(() => Promise.all([(app.locals.close as () => Promise<void>)(), close(server)]))
      .then(() => Promise.all([db.destroy(), temporal.connection.close()]))
      .then(() => {
        logger.info('api stopped');
        process.exit(0);
      });
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
