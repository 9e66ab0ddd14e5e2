import type { Client } from '@temporalio/client';
import express from 'express';
import type { Db } from '../db/knex';
import type { RequestContext } from '../domain';
import { TASK_QUEUE } from '../shared/contract';
import { actorOf, authenticate } from './auth';
import { errorHandler, notFoundHandler } from './errors';
import { adminRouter } from './routes/admin';
import { billingRouter } from './routes/billing';
import { inboxRouter } from './routes/inbox';
import { requestsRouter } from './routes/requests';
import { workloadRouter } from './routes/workload';

export interface AppDeps {
  db: Db;
  temporal: Client;
  /** Calendar and timer policy given to each new request. */
  context: RequestContext;
  taskQueue?: string;
}

export function createApp({ db, temporal, context, taskQueue = TASK_QUEUE }: AppDeps) {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(express.json({ limit: '256kb', type: ['application/json', 'application/*+json'] }));
  app.use(authenticate(db));
  app.get('/me', (req, res) => {
    res.json(actorOf(req));
  });
  app.use(adminRouter({ db, temporal, taskQueue }));
  app.use(requestsRouter({ db, temporal, context, taskQueue }));
  app.use(inboxRouter({ db }));
  app.use(workloadRouter({ db, temporal, taskQueue }));
  app.use(billingRouter({ db }));
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
