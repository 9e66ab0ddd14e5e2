import type { Client } from '@temporalio/client';
import express from 'express';
import type { Db } from '../db/knex';
import { actorOf, authenticate } from './auth';
import { errorHandler, notFoundHandler } from './errors';
import { adminRouter } from './routes/admin';
import { requestsRouter } from './routes/requests';

export interface AppDeps {
  db: Db;
  temporal: Client;
}

export function createApp({ db, temporal }: AppDeps) {
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
  app.use(adminRouter({ db }));
  app.use(requestsRouter({ db, temporal }));
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
