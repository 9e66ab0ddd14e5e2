// Notifications: the outbox in PostgreSQL, signed webhook delivery retried by the activity's retry
// policy, and each person's inbox. A worker of this file's own delivers to a local receiver.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { signWebhook } from '../src/activities';
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
