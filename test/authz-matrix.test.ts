// The authorization matrix: every documented endpoint × every role × own/other organisation.
// A role that may never call an endpoint gets 403; a request or client that is not theirs to
// see is 404; whoever may read it reads it; nothing of the request leaks into a refusal.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { defaultPolicyId } from '../src/stores/policies';
import { storeInbound } from '../src/stores/mail';
import { allOperations, type Operation } from '../src/api/openapi';
import type { Role } from '../src/domain';
import { Flow } from './support/flow';
import { makeCompany, openHarness, type Company, type Harness, type Person } from './support/harness';

let h: Harness;
let co: Company;
let requestId: string;
let messageId: string;
let attachmentId: string;
let quarantinedMailId: string;
let strangerSpecialist: Person;
let otherManager: Person;
let defaultPolicy: string;
const SECRET = `secret-${randomUUID()}`;

beforeAll(async () => {
  h = await openHarness({ rateLimitPerMinute: 0 });
  co = await makeCompany(h);
  defaultPolicy = await defaultPolicyId(h.db);
  const f = new Flow(h, co);
  const id = await f.file(SECRET);
  await f.act(`/requests/${id}/triage`, co.manager, { decision: 'delegate' });
  await f.act(`/requests/${id}/decompose`, co.manager, { brief: SECRET, tasks: [{ title: SECRET, skill: co.skills.backend, assigneeId: co.backendSenior.id }] });
  requestId = id;
  // A public message with a file on it: the conversation's routes have something to read.
  const message = await h.post(`/requests/${id}/messages`, co.client.token, { body: SECRET });
  messageId = message.body.id as string;
  const file = await h.http.post(`/requests/${id}/attachments`).query({ filename: 'log.txt', messageId }).set('Authorization', `Bearer ${co.client.token}`).set('Content-Type', 'text/plain').send(Buffer.from(SECRET));
  attachmentId = file.body.id as string;
  quarantinedMailId = randomUUID();
  await storeInbound(h.db, { id: quarantinedMailId, messageId: `<${quarantinedMailId}@matrix.test>`, from: 'stranger@matrix.test', subject: 'Hello', size: 5, raw: Buffer.from('Hello'), status: 'quarantined', reason: 'unknown sender stranger@matrix.test' });
  const staff = async (role: string, extra: object) => {
    const res = await h.post('/admin/staff', co.admin.token, { name: role, email: `${role}-${randomUUID()}@test.example`, role, ...extra });
    const cred = await h.post('/admin/credentials', co.admin.token, { staffId: res.body.id, label: 'matrix' });
    return { id: res.body.id as string, token: cred.body.token as string };
  };
  strangerSpecialist = await staff('specialist', { seniority: 'middle', skills: [co.skills.backend] });
  otherManager = await staff('manager', {});
});
afterAll(async () => h?.close());

interface Caller {
  name: string;
  role: Role;
  person: () => Person;
  /** Does the request (and its client) belong to what this caller may see? */
  owns: boolean;
}

const callers: Caller[] = [
  { name: 'own client', role: 'client', person: () => co.client, owns: true },
  { name: 'other client', role: 'client', person: () => co.otherClient, owns: false },
  { name: 'responsible manager', role: 'manager', person: () => co.manager, owns: true },
  { name: 'other manager', role: 'manager', person: () => otherManager, owns: false },
  { name: 'assigned specialist', role: 'specialist', person: () => co.backendSenior, owns: true },
  { name: 'stranger specialist', role: 'specialist', person: () => strangerSpecialist, owns: false },
  { name: 'head', role: 'head', person: () => co.head, owns: true },
  { name: 'admin', role: 'admin', person: () => co.admin, owns: true },
];

const month = new Date().toISOString().slice(0, 7);

function url(op: Operation): string {
  return op.path
    .replace(':id', op.path.startsWith('/clients/') || op.path === '/admin/clients/:id' ? co.clientId : op.path.startsWith('/admin/staff/') ? co.backendJunior.id : op.path.startsWith('/requests/') ? requestId : op.path.startsWith('/admin/policies/') ? defaultPolicy : randomUUID())
    .replace(':version', '1')
    .replace(':taskId', 'T1')
    .replace(':questionId', 'Q1')
    .replace(':proposalId', 'D1')
    .replace(':entryNo', '1')
    .replace(':messageId', messageId)
    .replace(':attachmentId', attachmentId)
    .replace(':month', month)
    .replace(':notificationId', 'none')
    .replace(':escalationId', 'none')
    .replace(':mailId', quarantinedMailId);
}

const scoped = (op: Operation) => op.path.startsWith('/requests/:id') || op.path.startsWith('/clients/:id');

/** A live stream answers with its status at once and stays open: read the status, then hang up. */
async function streamStatus(op: Operation, token?: string): Promise<{ status: number; text: string }> {
  const server = h.app.listen(0);
  try {
    const abort = new AbortController();
    const res = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}${url(op)}`, { headers: token ? { Authorization: `Bearer ${token}` } : {}, signal: abort.signal });
    abort.abort();
    return { status: res.status, text: '' };
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

function call(op: Operation, token: string) {
  if (op.produces === 'text/event-stream') return streamStatus(op, token);
  const req = h.http[op.method](url(op)).set('Authorization', `Bearer ${token}`);
  return op.method === 'get' || op.method === 'delete' ? req : req.send({});
}

const guarded = () => allOperations().filter((op) => op.roles !== 'public');

it('every endpoint refuses the roles that may never call it with 403, and leaks nothing', async () => {
  const failures: string[] = [];
  let checked = 0;
  for (const op of guarded()) {
    for (const c of callers) {
      if ((op.roles as readonly Role[]).includes(c.role)) continue;
      checked++;
      const res = await call(op, c.person().token);
      if (res.status !== 403) failures.push(`${op.method} ${op.path} as ${c.name}: ${res.status}`);
      if (res.text.includes(SECRET)) failures.push(`${op.method} ${op.path} as ${c.name} leaked the request`);
    }
  }
  expect(failures).toEqual([]);
  expect(checked).toBeGreaterThan(150);
});

it("another organisation's or another team's request or client (its months and statements too) answers 404, never 403, and leaks nothing", async () => {
  const failures: string[] = [];
  let checked = 0;
  for (const op of guarded().filter(scoped)) {
    for (const c of callers.filter((x) => !x.owns && (op.roles as readonly Role[]).includes(x.role))) {
      checked++;
      const res = await call(op, c.person().token);
      if (res.status !== 404) failures.push(`${op.method} ${op.path} as ${c.name}: ${res.status}`);
      if (res.text.includes(SECRET)) failures.push(`${op.method} ${op.path} as ${c.name} leaked the request`);
    }
  }
  expect(failures).toEqual([]);
  expect(checked).toBeGreaterThan(40);
});

it('whoever may read a resource reads it, and without a token nothing answers but 401', async () => {
  const failures: string[] = [];
  for (const op of guarded().filter((o) => o.method === 'get')) {
    for (const c of callers.filter((x) => x.owns && (op.roles as readonly Role[]).includes(x.role))) {
      const res = await call(op, c.person().token);
      if (res.status !== 200 && !(op.path === '/workload/review' && res.status === 404)) failures.push(`${op.method} ${op.path} as ${c.name}: ${res.status}`);
    }
    const anonymous = op.produces === 'text/event-stream' ? await streamStatus(op) : await h.http.get(url(op));
    if (anonymous.status !== 401) failures.push(`${op.method} ${op.path} without a token: ${anonymous.status}`);
  }
  expect(failures).toEqual([]);
});
