// Tokens are checked from memory in each API process, and a revocation made through another
// process is honoured within a second (PostgreSQL announces it on `desk_auth`). Two API processes
// (two apps, each with its own pool and listener) on the real PostgreSQL.
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp } from '../src/api/app';
import { createDb, type Db } from '../src/db/knex';
import { createLogger } from '../src/observability';
import { makeCompany, openHarness, type Company, type Harness } from './support/harness';

let h: Harness;
let co: Company;
let db: Db;
let other: ReturnType<typeof createApp>;
/** Statements the other process sends that read credentials. */
let credentialReads = 0;

beforeAll(async () => {
  h = await openHarness();
  co = await makeCompany(h);
  db = createDb(inject('databaseUrl'), { min: 0, max: 4 });
  db.on('query', (q: { sql: string }) => {
    if (q.sql.includes('api_credentials')) credentialReads++;
  });
  other = createApp({ db, temporal: h.temporal, logger: createLogger('silent'), rateLimitPerMinute: 0 });
});
afterAll(async () => {
  await (other?.locals.close as (() => Promise<void>) | undefined)?.();
  await db?.destroy();
  await h?.close();
});

const me = (token: string) => supertest(other).get('/me').set('Authorization', `Bearer ${token}`);

/** Calls the other process until it refuses the token; how long that took, in ms. */
async function refusedWithin(token: string): Promise<number> {
  const start = Date.now();
  for (;;) {
    const res = await me(token);
    if (res.status === 401) return Date.now() - start;
    expect(res.status).toBe(200);
    if (Date.now() - start > 5_000) throw new Error('still accepted after 5 s');
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function listening(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const rows = await h.db('pg_stat_activity').where('query', 'like', 'listen desk_auth%').count<{ n: string }[]>('* as n');
    if (Number(rows[0]?.n) > 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the other process never listened');
}

async function issue(body: object): Promise<{ id: string; token: string }> {
  const res = await h.post('/admin/credentials', co.admin.token, { label: 'cache', ...body });
  expect(res.status).toBe(201);
  return res.body as { id: string; token: string };
}

describe('tokens kept in memory, forgotten on a change', () => {
  it('answers a known token without asking PostgreSQL again', async () => {
    const { token } = await issue({ staffId: co.manager.id });
    expect((await me(token)).status).toBe(200);
    await listening();
    expect((await me(token)).status).toBe(200);
    const before = credentialReads;
    for (let i = 0; i < 20; i++) expect((await me(token)).status).toBe(200);
    expect(credentialReads - before).toBe(0);
  });

  it('a token revoked through one process is refused by the other within one second', async () => {
    const { id, token } = await issue({ staffId: co.manager.id });
    expect((await me(token)).status).toBe(200);
    await listening();
    expect((await me(token)).status).toBe(200);
    const revoked = await h.http.delete(`/admin/credentials/${id}`).set('Authorization', `Bearer ${co.admin.token}`);
    expect(revoked.status).toBe(204);
    expect(await refusedWithin(token)).toBeLessThan(1_000);
  });

  it("a deactivated person's token is refused by the other process within one second", async () => {
    const person = await h.post('/admin/staff', co.admin.token, { name: 'Leaving', email: `leaving-${Date.now()}@test.example`, role: 'manager' });
    const { token } = await issue({ staffId: person.body.id as string });
    expect((await me(token)).status).toBe(200);
    await listening();
    const off = await h.http.patch(`/admin/staff/${person.body.id as string}`).set('Authorization', `Bearer ${co.admin.token}`).send({ active: false, reason: 'left' });
    expect(off.status).toBe(200);
    expect(await refusedWithin(token)).toBeLessThan(1_000);
  });

  it("keeps its tokens through the desk's own work on people's rows: a specialist's load, a contact's language", async () => {
    const { token } = await issue({ staffId: co.manager.id });
    expect((await me(token)).status).toBe(200);
    await listening();
    expect((await me(token)).status).toBe(200);
    const before = credentialReads;
    // What an allocation writes on the chosen specialist's row, and a contact's preference.
    await h.db('staff').where({ id: co.backendSenior.id }).update({ last_assigned_at: h.db.fn.now() });
    const lang = await h.http.patch('/me/preferences').set('Authorization', `Bearer ${co.client.token}`).send({ language: 'ru' });
    expect(lang.status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    for (let i = 0; i < 10; i++) expect((await me(token)).status).toBe(200);
    expect(credentialReads - before).toBe(0);
  });

  it('while the announcements cannot be heard, every call asks PostgreSQL, and a revocation holds at once', async () => {
    const { id, token } = await issue({ staffId: co.manager.id });
    expect((await me(token)).status).toBe(200);
    await listening();
    // The listening connection is cut: the other process keeps nothing until it hears again.
    await h.db.raw("select pg_terminate_backend(pid) from pg_stat_activity where query like 'listen desk_auth%'");
    await new Promise((r) => setTimeout(r, 100));
    await h.db('api_credentials').where({ id }).update({ revoked_at: h.db.fn.now() });
    expect((await me(token)).status).toBe(401);
    // It listens again by itself.
    await listening();
  });

  it('an expired token is refused even when it was kept', async () => {
    const { token } = await issue({ staffId: co.manager.id, expiresAt: new Date(Date.now() + 1_500).toISOString() });
    await listening();
    expect((await me(token)).status).toBe(200);
    expect((await me(token)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1_700));
    expect((await me(token)).status).toBe(401);
  });
});
