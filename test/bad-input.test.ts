// Bad input against every endpoint that takes a body: wrong types, unknown fields, oversized
// payloads, injection strings. Each gets 400 or 413 as problem+json, and nothing changes in
// PostgreSQL or in Temporal.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { allOperations, type Operation } from '../src/api/openapi';
import type { Role } from '../src/domain';
import { rowsOf } from '../src/db/knex';
import { Flow } from './support/flow';
import { makeCompany, openHarness, type Company, type Harness, type Person } from './support/harness';

let h: Harness;
let co: Company;
let requestId: string;

beforeAll(async () => {
  h = await openHarness({ rateLimitPerMinute: 0 });
  co = await makeCompany(h);
  requestId = await new Flow(h, co).executing();
});
afterAll(async () => h?.close());

const INJECTIONS = ["'); DROP TABLE requests; --", '<script>alert(1)</script>', '${7*7}', '{{constructor.constructor("x")()}}', '\u0000\u202e', '../../etc/passwd'];

function who(op: Operation): Person {
  const roles = op.roles as readonly Role[];
  if (roles.includes('head')) return co.head;
  if (roles.includes('admin')) return co.admin;
  if (roles.includes('client')) return co.client;
  return co.backendSenior;
}

const url = (op: Operation) =>
  op.path
    .replace(':id', op.path.startsWith('/admin/clients/') ? co.clientId : op.path.startsWith('/admin/staff/') ? co.backendJunior.id : requestId)
    .replace(':taskId', 'T1')
    .replace(':questionId', 'Q1')
    .replace(':proposalId', 'D1')
    .replace(':entryNo', '1');

async function snapshot() {
  const counts: Record<string, string> = {};
  for (const table of ['requests', 'tasks', 'audit_events', 'time_entries', 'staff', 'clients', 'subscriptions', 'client_contacts', 'api_credentials', 'staff_absences', 'hour_ledger', 'notifications', 'policies', 'policy_versions', 'mail_preferences', 'mail_inbound']) {
    counts[table] = String((await rowsOf<{ n: string }[]>(h.db(table).count({ n: '*' })))[0]?.n);
  }
  return { counts, version: (await new Flow(h, co).state(requestId)).version };
}

const withBody = () => allOperations().filter((op) => op.body !== undefined);

it('wrong types, unknown fields and injection strings are 400 problem+json and change nothing', async () => {
  const before = await snapshot();
  const failures: string[] = [];
  for (const op of withBody()) {
    const bodies: unknown[] = [
      [],
      'a string',
      { unexpectedField: true },
      ...INJECTIONS.map((s) => ({ unexpectedField: s, title: 42, reason: [s], text: { s }, minutes: s })),
    ];
    for (const body of bodies) {
      const res = await h.http[op.method as 'post' | 'patch'](url(op)).set('Authorization', `Bearer ${who(op).token}`).set('Content-Type', 'application/json').send(JSON.stringify(body));
      if (res.status !== 400) failures.push(`${op.method} ${op.path} ${JSON.stringify(body).slice(0, 40)}: ${res.status} ${JSON.stringify(res.body).slice(0, 120)}`);
      else if (!String(res.headers['content-type']).includes('application/problem+json')) failures.push(`${op.method} ${op.path}: not problem+json`);
    }
  }
  expect(failures).toEqual([]);
  const after = await snapshot();
  expect(after.counts).toEqual(before.counts);
  // Nothing bad reached the workflow: its state has the same version.
  expect(after.version).toBe(before.version);
});

it('oversized bodies are 413 problem+json and change nothing', async () => {
  const before = await snapshot();
  const big = JSON.stringify({ title: 'x'.repeat(300 * 1024), description: 'd' });
  for (const op of withBody()) {
    const res = await h.http[op.method as 'post' | 'patch'](url(op)).set('Authorization', `Bearer ${who(op).token}`).set('Content-Type', 'application/json').send(big);
    expect(res.status, `${op.method} ${op.path}`).toBe(413);
    expect(res.headers['content-type']).toContain('application/problem+json');
  }
  expect((await snapshot()).counts).toEqual(before.counts);
});

it('injection strings in valid text fields are stored verbatim, never executed', async () => {
  for (const s of INJECTIONS.filter((x) => !x.includes('\u0000'))) {
    const res = await h.post('/requests', co.client.token, { title: s, description: s });
    expect(res.status).toBe(201);
    const row = await h.db('requests').where({ id: res.body.requestId }).first<{ title: string }>('title');
    expect(row.title).toBe(s.trim());
  }
  const drop = await h.db('requests').where({ title: "'); DROP TABLE requests; --" }).first('id');
  expect(drop).toBeDefined();
});
