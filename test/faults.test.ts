// Proof under faults: 50 full request lifecycles at once (decomposition, time logged, rework,
// closure) while the worker is SIGKILLed, the Temporal server restarts, or PostgreSQL is down for
// 20 s. Clients retry as a careful client does: after a timeout, a dropped connection or a 503,
// with the same Idempotency-Key. Afterwards every request is closed, the hour ledger holds exactly
// the hand-computed hours, and nothing (time entry, write-off, notification, action) happened twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFaultStack, type FaultStack } from './support/fault-stack';
import { runLifecycles, sleep, type LifecycleStack } from './support/lifecycles';

const N = 50;

let stack: FaultStack;

beforeAll(async () => {
  stack = await openFaultStack();
}, 240_000);
afterAll(async () => stack?.close());

const lifecycleStack = (): LifecycleStack => ({ h: stack.h, apis: [stack.api], deliveries: stack.deliveries });

describe('50 concurrent lifecycles under faults', () => {
  it('survive the worker being SIGKILLed at random points and restarted', { timeout: 600_000 }, async () => {
    await runLifecycles(lifecycleStack(), 'kill', N, async (c) => {
      for (const share of [0.1, 0.35, 0.6].map((s) => s + Math.random() * 0.15)) {
        await c.progress(share);
        stack.killWorker();
        c.mark('worker killed');
        await sleep(500 + Math.random() * 2000);
        stack.startWorker();
        c.mark('worker started');
      }
    });
  });

  it('survive a restart of the Temporal server mid-flight', { timeout: 600_000 }, async () => {
    await runLifecycles(lifecycleStack(), 'temporal', N, async (c) => {
      await c.progress(0.4);
      c.mark('Temporal server stopping');
      await stack.restartTemporal();
      c.mark('Temporal server started again');
    });
  });

  it('survive PostgreSQL stopped for 20 s mid-flight, the API answering 503 problem+json meanwhile', { timeout: 600_000 }, async () => {
    const c = await runLifecycles(lifecycleStack(), 'postgres', N, async (c) => {
      await c.progress(0.4);
      await stack.stopDatabase();
      c.mark('PostgreSQL stopped');
      const down = Date.now();
      const res = await fetch(`${stack.api}/requests`, { headers: { Authorization: `Bearer ${'x'.repeat(43)}` } });
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.headers.get('retry-after')).toBe('5');
      expect(await res.json()).toMatchObject({ status: 503, title: 'Service Unavailable' });
      await sleep(20_000 - (Date.now() - down));
      await stack.startDatabase();
      c.mark('PostgreSQL started again');
    });
    expect(c.serverErrors.length).toBeGreaterThan(0);
  });
});
