import type { Client } from '@temporalio/client';
import express from 'express';
import { ping, type Db } from '../db/knex';
import type { RequestContext } from '../domain';
import { TASK_QUEUE } from '../shared/contract';
import { createHttpMetrics, createLogger, type Logger } from '../observability';
import { actorOf, authenticate } from './auth';
import { rateLimit, requestContext } from './middleware';
import { SharedRateLimiter } from './shared-rate-limit';
import { docsRouter } from './docs';
import { openApiDocument } from './openapi';
import { HttpError, errorHandler, notFoundHandler } from './errors';
import { LiveHub, liveRouter } from './live';

const JSON_TYPES = ['application/json', 'application/*+json'];
/** The one route whose body is not JSON: a file's bytes. */
const UPLOAD_PATH = /^\/requests\/[^/]+\/attachments\/?$/;
import { adminRouter } from './routes/admin';
import { TokenCache } from './token-cache';
import { VisibilityCache } from './visibility-cache';
import { policiesRouter } from './routes/policies';
import { billingRouter } from './routes/billing';
import { inboxRouter } from './routes/inbox';
import { mailRouter } from './routes/mail';
import { requestsRouter } from './routes/requests';
import { publicSignInRouter, sessionRouter } from './routes/sign-in';
import { webRouter } from './web';
import { DEFAULT_ATTACHMENT_LIMITS, type AttachmentLimits } from './routes/conversation';
import { workloadRouter } from './routes/workload';

export interface AppDeps {
  db: Db;
  /** Where staff open a request's workflow: the Temporal UI's address and the namespace. */
  temporalUi?: { url: string; namespace: string } | undefined;
  temporal: Client;
  /**
   * Every new request gets this calendar and timer policy instead of its subscription's. For
   * tests whose timers must ring within seconds, which no policy allows; production never sets it.
   */
  policyOverride?: RequestContext | undefined;
  taskQueue?: string;
  logger?: Logger;
  /** Calls per minute per token; 0 turns the limit off. */
  rateLimitPerMinute?: number;
  /** How long an action waits for the workflow before 503 + Retry-After. */
  updateWaitMs?: number;
  /** Bytes per file and per request (413 beyond). */
  attachmentLimits?: AttachmentLimits;
  /** Sign-in calls (login, invitations) per minute per address; 0 turns the throttle off (off with the rate limit by default). */
  signInPerMinute?: number;
  /** Keeps this app's rate-limit buckets apart from other apps on the same database (tests: one per harness). */
  rateLimitScope?: string;
}

export function createApp({ db, temporal, policyOverride, taskQueue = TASK_QUEUE, logger = createLogger(), rateLimitPerMinute = 600, updateWaitMs = 20_000, attachmentLimits = DEFAULT_ATTACHMENT_LIMITS, signInPerMinute = rateLimitPerMinute === 0 ? 0 : 30, temporalUi, rateLimitScope = '' }: AppDeps) {
  const app = express();
  const live = new LiveHub(db, logger);
  const tokens = new TokenCache(db, logger);
  const access = new VisibilityCache(db, logger);
  app.locals.live = live;
  app.locals.tokens = tokens;
  app.locals.draining = false;
  /** Ends what the app holds besides the pool: the live streams and the listeners for credentials and requests. */
  app.locals.close = async () => {
    await live.close();
    await tokens.close();
    await access.close();
  };
  const metrics = createHttpMetrics();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestContext(logger, metrics));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  /** Ready = PostgreSQL and Temporal both answer. */
  app.get('/readyz', async (_req, res) => {
    const check = async (fn: () => Promise<unknown>) =>
      Promise.race([fn().then(() => 'ok' as const), new Promise<'down'>((r) => setTimeout(() => r('down'), 2000).unref())]).catch(() => 'down' as const);
    const [postgres, temporalState] = await Promise.all([check(() => ping(db)), check(() => temporal.workflowService.getSystemInfo({}))]);
    // Stopping (SIGTERM): not ready, so that a load balancer sends the next calls elsewhere while these finish.
    const draining = app.locals.draining === true;
    const ready = postgres === 'ok' && temporalState === 'ok' && !draining;
    res.status(ready ? 200 : 503).json({ status: draining ? 'draining' : ready ? 'ready' : 'not ready', postgres, temporal: temporalState });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  app.use(docsRouter());
  app.use(webRouter());
  // A body is JSON or nothing (`text/plain`, forms and the like are 415, not a schema error) —
  // except an upload, whose body is the file's bytes, streamed as they come.
  app.use((req, _res, next) => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    const upload = req.method === 'POST' && UPLOAD_PATH.test(req.path);
    if (hasBody && !upload && !req.is(JSON_TYPES)) throw new HttpError(415, 'Unsupported Media Type', 'send the body as application/json');
    if (upload && req.is(JSON_TYPES)) req.headers['content-type'] = 'application/octet-stream; declared=json';
    next();
  });
  app.use(express.json({ limit: '256kb', type: JSON_TYPES }));
  app.use(publicSignInRouter({ db, perMinute: signInPerMinute, logger, scope: rateLimitScope }));
  app.use(authenticate(db, tokens));
  // Per token (or session), shared by every API process through PostgreSQL.
  app.use(rateLimit(new SharedRateLimiter(db, logger, rateLimitPerMinute), `${rateLimitScope}api:${rateLimitPerMinute}:`));
  app.get('/me', (req, res) => {
    res.json(actorOf(req));
  });
  app.use(sessionRouter({ db }));
  app.use(liveRouter(live));
  app.use(adminRouter({ db, temporal, taskQueue }));
  app.use(policiesRouter({ db }));
  app.use(requestsRouter({ db, temporal, policyOverride, taskQueue, updateWaitMs, attachmentLimits, temporalUi, access }));
  app.use(inboxRouter({ db }));
  app.use(mailRouter({ db }));
  app.use(workloadRouter({ db, temporal, taskQueue }));
  app.use(billingRouter({ db }));
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
