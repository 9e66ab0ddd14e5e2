// Who may see a request is checked from memory in each API process: a request's own facts (its
// client, its manager, everyone on its tasks) at the version the read model announced, or that
// the process wrote itself. A change made through another process is honoured within a second,
// and a refusal is always asked of PostgreSQL. Two API processes (two apps, each with its own pool
// and listener) on the real PostgreSQL and Temporal.
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp } from '../src/api/app';
import { createDb, type Db } from '../src/db/knex';
import { createLogger } from '../src/observability';
import { Flow } from './support/flow';
import { makeCompany, openHarness, type Company, type Harness, type Person } from './support/harness';

let h: Harness;
let co: Company;
let f: Flow;
let db: Db;
let other: ReturnType<typeof createApp>;
/** Statements the other process sends that read who may see a request. */
let accessReads = 0;

beforeAll(async () => {
  h = await openHarness();
  // One more backend senior (team[0]): a task moved to them takes the first one off the request.
  co = await makeCompany(h, { team: 1 });
  f = new Flow(h, co);
  db = createDb(inject('databaseUrl'), { min: 0, max: 4 });
  db.on('query', (q: { sql: string }) => {
    if (q.sql.includes('unnest(array[t.assignee_id, t.mentor_id]')) accessReads++;
  });
  other = createApp({ db, temporal: h.temporal, taskQueue: h.taskQueue, logger: createLogger('silent'), rateLimitPerMinute: 0 });
});
afterAll(async () => {
  await (other?.locals.close as (() => Promise<void>) | undefined)?.();
  await db?.destroy();
  await h?.close();
});

const view = (id: string, who: Person) => supertest(other).get(`/requests/${id}`).set('Authorization', `Bearer ${who.token}`);

async function listening(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const rows = await h.db('pg_stat_activity').where('query', 'like', 'listen desk_events%').count<{ n: string }[]>('* as n');
    if (Number(rows[0]?.n) > 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the other process never listened');
}

describe('who may see a request, kept in memory and forgotten on a change', () => {
  it('answers the actions of those who may see a request without asking PostgreSQL who they are to it', async () => {
    const id = await f.executing();
    expect((await view(id, co.backendSenior)).status).toBe(200);
    await listening();
    expect((await view(id, co.backendSenior)).status).toBe(200);
    const before = accessReads;
    for (let i = 0; i < 10; i++) {
      const res = await supertest(other)
        .post(`/requests/${id}/time`)
        .set('Authorization', `Bearer ${co.backendSenior.token}`)
        .send({ taskId: 'T1', minutes: 5, category: 'execution', note: `from memory ${i}` });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect((await view(id, co.client)).status).toBe(200);
      expect((await view(id, co.manager)).status).toBe(200);
      expect((await view(id, co.head)).status).toBe(200);
    }
    // The first look of each of the client, the manager and the head may ask; nothing after it.
    expect(accessReads - before).toBeLessThanOrEqual(3);
  });

  it('a specialist taken off a request through one process no longer sees it through the other within one second', async () => {
    const id = await f.decomposed();
    expect((await view(id, co.backendSenior)).status).toBe(200);
    await listening();
    expect((await view(id, co.backendSenior)).status).toBe(200);
    const next = co.team[0]!;
    expect((await view(id, next)).status).toBe(404);
    await f.act(`/requests/${id}/tasks/T1/reassign`, co.manager, { specialistId: next.id, reason: 'load' });
    const start = Date.now();
    for (;;) {
      const res = await view(id, co.backendSenior);
      if (res.status === 404) break;
      expect(res.status).toBe(200);
      if (Date.now() - start > 5_000) throw new Error('still seen after 5 s');
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(Date.now() - start).toBeLessThan(1_000);
    // The one now on it sees it at once (a refusal is never kept).
    expect((await view(id, next)).status).toBe(200);
  });

  it('another organisation never sees a request, by id or by key, however warm the memory', async () => {
    const id = await f.file('Kept apart');
    const mine = await view(id, co.client);
    expect(mine.status).toBe(200);
    await listening();
    const key = (mine.body as { key: string }).key;
    for (const ref of [id, key]) {
      expect((await view(ref, co.client)).status).toBe(200);
      expect((await view(ref, co.otherClient)).status).toBe(404);
      expect((await view(ref, co.backendSenior)).status).toBe(404);
    }
  });
});
