// Who sees what, request ids, rate limits, readiness and metrics.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Flow, openCompany } from './support/flow';
import { openHarness, type Company, type Harness, type Person } from './support/harness';

let h: Harness;
let co: Company;
let f: Flow;

beforeAll(async () => {
  ({ h, co, f } = await openCompany());
});
afterAll(async () => h?.close());

async function staff(role: string, extra: object = {}): Promise<Person> {
  const res = await h.post('/admin/staff', co.admin.token, { name: role, email: `${role}-${randomUUID().slice(0, 8)}@test.example`, role, ...extra });
  expect(res.status).toBe(201);
  const cred = await h.post('/admin/credentials', co.admin.token, { staffId: res.body.id, label: 'test' });
  return { id: res.body.id as string, token: cred.body.token as string };
}

describe('visibility by role and ownership', () => {
  it('a specialist sees only the requests they work on; a manager only their clients; the head all; anything else is 404', async () => {
    const id = await f.executing();
    await f.act(`/requests/${id}/tasks/T1/blocker`, co.backendSenior, { description: 'internal: the replica is broken' });
    const stranger = await staff('specialist', { seniority: 'senior', skills: [co.skills.backend] });
    const otherManager = await staff('manager');

    expect((await h.get(`/requests/${id}`, co.backendSenior.token)).status).toBe(200);
    expect((await h.get(`/requests/${id}`, stranger.token)).status).toBe(404);
    expect((await h.get(`/requests/${id}/timeline`, stranger.token)).status).toBe(404);
    expect((await h.post(`/requests/${id}/time`, stranger.token, { minutes: 5, category: 'execution', note: '' })).status).toBe(404);
    expect((await h.get(`/requests/${id}`, otherManager.token)).status).toBe(404);
    expect((await h.post(`/requests/${id}/accept-result`, otherManager.token)).status).toBe(404);
    expect((await h.get(`/requests/${id}`, co.manager.token)).status).toBe(200);
    expect((await h.get(`/requests/${id}`, co.head.token)).status).toBe(200);
    expect((await h.get(`/requests/${id}`, co.admin.token)).status).toBe(403);

    const listed = async (p: Person) => ((await h.get('/requests?limit=100', p.token)).body.items as { requestId: string }[]).some((r) => r.requestId === id);
    expect(await listed(co.backendSenior)).toBe(true);
    expect(await listed(stranger)).toBe(false);
    expect(await listed(otherManager)).toBe(false);
    expect(await listed(co.head)).toBe(true);
  });

  it('a client never sees internal notes, non-billable hours, escalations or staff load', async () => {
    const id = await f.executing();
    await f.act(`/requests/${id}/questions`, co.backendSenior, { taskId: 'T1', text: 'internal question between staff' });
    await f.act(`/requests/${id}/questions/Q1/answer`, co.manager, { answer: 'internal answer' });
    await f.act(`/requests/${id}/tasks/T1/blocker`, co.backendSenior, { description: 'internal blocker note' });
    await f.act(`/requests/${id}/time`, co.backendSenior, { taskId: 'T1', minutes: 60, category: 'execution', note: 'internal worklog note' });
    await f.act(`/requests/${id}/time`, co.backendSenior, { taskId: 'T1', minutes: 30, category: 'rework', note: 'rework' });
    const seen = await h.get(`/requests/${id}`, co.client.token);
    expect(seen.status).toBe(200);
    const body = JSON.stringify(seen.body);
    for (const secret of ['internal question', 'internal answer', 'internal blocker', 'internal worklog', co.backendSenior.id, 'escalation', 'rework']) {
      expect(body, secret).not.toContain(secret);
    }
    expect(seen.body).not.toHaveProperty('timeEntries');
    const time = await h.get(`/requests/${id}/time`, co.client.token);
    expect(time.body.items).toEqual([expect.objectContaining({ minutes: 60, category: 'execution' })]);
    expect(JSON.stringify(time.body)).not.toMatch(/internal worklog|rework|personId/);
    expect(seen.body).not.toHaveProperty('events');
    expect(seen.body).not.toHaveProperty('escalations');
    expect((await h.get('/workload', co.client.token)).status).toBe(403);
    expect((await h.get('/escalations', co.client.token)).status).toBe(403);
  });
});

describe('credentials', () => {
  it('a token is shown once, stored hashed, stops working when revoked or expired', async () => {
    const issued = await h.post('/admin/credentials', co.admin.token, { contactId: co.client.id, label: 'laptop' });
    expect(issued.status).toBe(201);
    const token = issued.body.token as string;
    expect((await h.db('api_credentials').where({ id: issued.body.id }).first<{ token_hash: string }>('token_hash')).token_hash).not.toContain(token);
    expect((await h.get('/me', token)).body).toMatchObject({ id: co.client.id, role: 'client' });
    expect((await h.http.delete(`/admin/credentials/${issued.body.id}`).set('Authorization', `Bearer ${co.admin.token}`)).status).toBe(204);
    expect((await h.get('/me', token)).status).toBe(401);

    const soon = await h.post('/admin/credentials', co.admin.token, { contactId: co.client.id, label: 'short', expiresAt: new Date(Date.now() + 1500).toISOString() });
    expect((await h.get('/me', soon.body.token as string)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1700));
    const expired = await h.get('/me', soon.body.token as string);
    expect(expired.status).toBe(401);
    expect(expired.headers['www-authenticate']).toContain('Bearer');
    expect((await h.post('/admin/credentials', co.manager.token, { contactId: co.client.id, label: 'x' })).status).toBe(403);
  });
});

describe('the HTTP contract', () => {
  it('every response carries a request id, echoed when the caller sends one, and errors name it', async () => {
    const plain = await h.get('/me', co.client.token);
    expect(plain.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const given = await h.get('/requests/not-a-uuid', co.client.token).set('X-Request-Id', 'trace-42');
    expect(given.status).toBe(400);
    expect(given.headers['x-request-id']).toBe('trace-42');
    expect(given.body.requestId).toBe('trace-42');
  });

  it('a token over its rate limit gets 429 with Retry-After, others do not', async () => {
    const limited = await openHarness({ rateLimitPerMinute: 3 });
    try {
      for (let i = 0; i < 3; i++) expect((await limited.get('/me', co.client.token)).status).toBe(200);
      const over = await limited.get('/me', co.client.token);
      expect(over.status).toBe(429);
      expect(over.headers['content-type']).toContain('application/problem+json');
      expect(Number(over.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect((await limited.get('/me', co.manager.token)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('reports readiness of PostgreSQL and Temporal, and HTTP latency by route and status as Prometheus metrics', async () => {
    const ready = await h.http.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', postgres: 'ok', temporal: 'ok' });
    await h.get('/me', co.client.token);
    const metrics = await h.http.get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/retainer_desk_http_request_duration_seconds_count\{method="GET",route="\/me",status="200"\} \d+/);
  });
});
