// Notifications: the outbox in PostgreSQL, signed webhook delivery by the worker's courier (retried
// with backoff, claimed so that no two deliver the same one), and each person's inbox. A worker of
// this file's own delivers to a local receiver.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { signWebhook } from '../src/activities';
import { deliverDue } from '../src/activities/webhook';
import { Flow, eventually } from './support/flow';
import { makeCompany, openHarness, type Company, type Harness } from './support/harness';

interface Received {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  status: number;
}

const SECRET = 'test-webhook-secret';
const received: Received[] = [];
const failedOnce = new Set<string>();
let server: http.Server;
let h: Harness;
let co: Company;
let f: Flow;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      // Every notification fails on its first delivery: the retry policy has to bring it through.
      const status = failedOnce.has(id) ? 204 : 503;
      failedOnce.add(id);
      received.push({ id, timestamp: String(req.headers['webhook-timestamp']), signature: String(req.headers['webhook-signature']), body, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  h = await openHarness({ webhook: { url, secret: SECRET } });
  co = await makeCompany(h);
  f = new Flow(h, co);
});

afterAll(async () => {
  await h?.close();
  await new Promise((r) => server.close(r));
});

it('every notification is delivered signed, retried after a failure, and accepted once', async () => {
  const id = await f.executing();
  const rows = (await h.db('notifications').where({ request_id: id }).orderBy('created_at')) as { id: string; kind: string }[];
  expect(rows.map((r) => r.kind)).toEqual(['request.new', 'task.assigned', 'estimate.ready', 'work.approved']);

  const accepted = await eventually(
    () => Promise.resolve(received.filter((r) => r.status === 204 && rows.some((n) => n.id === r.id))),
    (a) => a.length === rows.length,
    'all deliveries accepted',
  );
  expect(accepted.map((r) => r.id).sort()).toEqual(rows.map((r) => r.id).sort());
  for (const r of accepted) {
    expect(r.signature).toBe(signWebhook(SECRET, r.id, r.timestamp, r.body));
    expect(JSON.parse(r.body)).toMatchObject({ id: r.id, requestId: id, clientId: co.clientId });
  }
  const delivered = (await h.db('notifications').where({ request_id: id })) as { delivered_at: Date | null; delivery_attempts: number }[];
  expect(delivered.every((n) => n.delivered_at !== null && n.delivery_attempts === 2)).toBe(true);
});

it('each person reads their own inbox and marks what they have read', async () => {
  const id = await f.file('Invoice question');
  const inbox = await h.get('/inbox?unread=true', co.manager.token);
  const mine = inbox.body.items.find((n: { requestId: string }) => n.requestId === id);
  expect(mine).toMatchObject({ kind: 'request.new', read: false });
  expect((await h.post(`/inbox/${mine.id}/read`, co.manager.token)).status).toBe(204);
  const after = await h.get('/inbox?unread=true', co.manager.token);
  expect(after.body.items.some((n: { id: string }) => n.id === mine.id)).toBe(false);
  // Someone else's notification is not theirs to read.
  expect((await h.post(`/inbox/${mine.id}/read`, co.backendSenior.token)).status).toBe(404);
  expect((await h.get('/inbox', co.otherClient.token)).body.items.some((n: { requestId: string }) => n.requestId === id)).toBe(false);
});

it('couriers of several workers deliver each notification once, and a webhook that is down holds no request up', async () => {
  // A second receiver, always up, counting what it gets.
  const counted = new Map<string, number>();
  const other = http.createServer((req, res) => {
    const id = String(req.headers['webhook-id']);
    counted.set(id, (counted.get(id) ?? 0) + 1);
    req.resume().on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  try {
    const id = await f.executing();
    const ids = ((await h.db('notifications').where({ request_id: id }).pluck('id')) as string[]).sort();
    await eventually(() => h.db('notifications').whereIn('id', ids).whereNull('delivered_at'), (rows) => rows.length === 0, 'the first deliveries');
    // As if none had been delivered yet: this file's courier and five more, at once.
    const before = received.filter((r) => r.status === 204 && ids.includes(r.id)).length;
    await h.db('notifications').whereIn('id', ids).update({ delivered_at: null, delivery_due_at: null, delivery_attempts: 0 });
    const hook = { url: `http://127.0.0.1:${(other.address() as AddressInfo).port}/hooks`, secret: SECRET };
    await Promise.all(Array.from({ length: 5 }, () => deliverDue(h.db, hook)));
    await eventually(() => h.db('notifications').whereIn('id', ids).whereNull('delivered_at'), (rows) => rows.length === 0, 'the second deliveries');
    const accepted = new Map<string, number>();
    for (const r of received.filter((r) => r.status === 204 && ids.includes(r.id)).slice(before)) accepted.set(r.id, (accepted.get(r.id) ?? 0) + 1);
    for (const [n, c] of counted) if (ids.includes(n)) accepted.set(n, (accepted.get(n) ?? 0) + c);
    expect([...accepted.keys()].sort()).toEqual(ids);
    expect([...accepted.values()].every((c) => c === 1)).toBe(true);

    // A worker whose webhook is down claims them: each counts an attempt and waits for its retry
    // (not delivered meanwhile), then this file's courier brings it through; the request goes on.
    await h.db('notifications').whereIn('id', ids).update({ delivered_at: null, delivery_due_at: null, delivery_attempts: 0 });
    const { claimed, failed } = await deliverDue(h.db, { url: 'http://127.0.0.1:9/hooks', secret: SECRET });
    expect(failed.length).toBe(claimed);
    const time = await h.post(`/requests/${id}/time`, co.backendSenior.token, { taskId: 'T1', minutes: 15, category: 'execution' });
    expect(time.status).toBe(200);
    const rows = await eventually(
      () => h.db('notifications').whereIn('id', ids).select('delivered_at', 'delivery_attempts'),
      (r) => r.every((n: { delivered_at: Date | null }) => n.delivered_at !== null),
      'the retries',
    );
    if (claimed === ids.length) expect(rows.every((n: { delivery_attempts: number }) => n.delivery_attempts === 2)).toBe(true);
  } finally {
    other.close();
  }
});
