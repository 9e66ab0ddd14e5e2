// The rate limit is one limit whichever API process answers: two apps, each with its own pool
// (two processes' worth), on the real PostgreSQL, sharing the buckets in `rate_buckets`.
import { randomUUID } from 'node:crypto';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp } from '../src/api/app';
import { createDb, type Db } from '../src/db/knex';
import { createLogger } from '../src/observability';
import { makeCompany, openHarness, type Company, type Harness } from './support/harness';

let h: Harness;
let co: Company;
const dbs: Db[] = [];
const apps: ReturnType<typeof createApp>[] = [];

/** Two API processes of one deployment: the same limits, the same buckets. */
function deployment(limits: { rateLimitPerMinute: number; signInPerMinute?: number }) {
  const scope = `${randomUUID()}:`;
  return [0, 1].map(() => {
    const db = createDb(inject('databaseUrl'), { min: 0, max: 4 });
    const app = createApp({ db, temporal: h.temporal, logger: createLogger('silent'), rateLimitScope: scope, ...limits });
    dbs.push(db);
    apps.push(app);
    return supertest(app);
  }) as [supertest.Agent, supertest.Agent];
}

beforeAll(async () => {
  h = await openHarness();
  co = await makeCompany(h);
});
afterAll(async () => {
  for (const app of apps) await (app.locals.close as () => Promise<void>)();
  for (const db of dbs) await db.destroy();
  await h?.close();
});

describe('one rate limit across API processes', () => {
  it('two processes allow together what one allows: 10 a minute, 30 calls at once, 10 answered', async () => {
    const [a, b] = deployment({ rateLimitPerMinute: 10 });
    const { body } = await h.post('/admin/credentials', co.admin.token, { staffId: co.manager.id, label: 'limited' });
    const token = body.token as string;
    const calls = Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? a : b).get('/me').set('Authorization', `Bearer ${token}`));
    const answers = await Promise.all(calls);
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
    // Each refusal says when to come back, whichever process gave it.
    const refused = answers.find((r) => r.status === 429)!;
    expect(refused.type).toBe('application/problem+json');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Another token has a bucket of its own.
    const other = await h.post('/admin/credentials', co.admin.token, { staffId: co.manager.id, label: 'other' });
    expect((await b.get('/me').set('Authorization', `Bearer ${other.body.token as string}`)).status).toBe(200);
  });

  it('a guesser gains nothing by spreading sign-ins over the processes', async () => {
    const [a, b] = deployment({ rateLimitPerMinute: 600, signInPerMinute: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await (i % 2 === 0 ? a : b).post('/auth/login').send({ email: `guess${i}@test.example`, password: 'x' })).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
  });

  it('a process takes tokens a few at a time: most calls cost no round trip to the buckets', async () => {
    const [a] = deployment({ rateLimitPerMinute: 600 });
    const db = dbs.at(-2)!;
    let bucketCalls = 0;
    db.on('query', (q: { sql: string }) => {
      if (q.sql.includes('rate_buckets')) bucketCalls++;
    });
    const { body } = await h.post('/admin/credentials', co.admin.token, { staffId: co.manager.id, label: 'busy' });
    for (let i = 0; i < 60; i++) expect((await a.get('/me').set('Authorization', `Bearer ${body.token as string}`)).status).toBe(200);
    // 600 a minute: leases of 30, so 60 calls ask twice.
    expect(bucketCalls).toBe(2);
  });
});
