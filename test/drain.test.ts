// The API process stopped with SIGTERM, as an orchestrator stops it: readiness fails at once
// (`draining`) while calls go on being answered, then it exits cleanly. A real process of
// `src/api/main.ts` against the run's PostgreSQL and Temporal.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { freePort } from '../src/dev/stack';
import { makeCompany, openHarness, type Company, type Harness } from './support/harness';

let h: Harness;
let co: Company;
beforeAll(async () => {
  h = await openHarness();
  co = await makeCompany(h);
});
afterAll(async () => h?.close());

it('SIGTERM: readiness fails while calls are still answered, then the API exits 0', { timeout: 60_000 }, async () => {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/api/main.ts'], {
    cwd: path.resolve(__dirname, '..'),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: inject('databaseUrl'), TEMPORAL_ADDRESS: inject('temporalAddress'), PORT: String(port), LOG_LEVEL: 'warn', API_DRAIN_SECONDS: '3' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const base = `http://127.0.0.1:${port}`;
  const get = (p: string, token?: string) => fetch(`${base}${p}`, token ? { headers: { Authorization: `Bearer ${token}` } } : {});
  for (let i = 0; ; i++) {
    const ready = await get('/readyz').catch(() => undefined);
    if (ready?.status === 200) break;
    if (i > 200) throw new Error('the API never became ready');
    await new Promise((r) => setTimeout(r, 100));
  }
  expect((await get('/me', co.manager.token)).status).toBe(200);

  const stoppedAt = Date.now();
  child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  const draining = await get('/readyz');
  expect(draining.status).toBe(503);
  expect(await draining.json()).toMatchObject({ status: 'draining' });
  // Meanwhile calls are answered as before.
  expect((await get('/me', co.manager.token)).status).toBe(200);
  expect((await get('/requests', co.manager.token)).status).toBe(200);

  expect(await exited).toBe(0);
  // It waited out the drain, and not much longer.
  const took = Date.now() - stoppedAt;
  expect(took).toBeGreaterThanOrEqual(3_000);
  expect(took).toBeLessThan(30_000);
  await expect(get('/healthz')).rejects.toThrow();
});
