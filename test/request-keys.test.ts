// Request keys (ACME-42): given at intake, unique, consecutive per client, never reused; they name
// the request in the API, the workflow id, the Temporal UI and every notification.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePrefix, prefixFromName, REQUEST_KEY } from '../src/domain';
import { searchAttributes } from '../src/shared/contract';
import { Flow, eventually, openCompany } from './support/flow';
import { TEST_TEMPORAL_UI, requestHandle, type Company, type Harness, type Person } from './support/harness';

let h: Harness;
let co: Company;
let f: Flow;

beforeAll(async () => {
  ({ h, co, f } = await openCompany());
});
afterAll(async () => {
  await h.close();
});

/** A client of its own with a contact, its prefix as given (or chosen from the name). */
async function newClient(name: string, keyPrefix?: string): Promise<{ clientId: string; keyPrefix: string; contact: Person }> {
  const created = await h.post('/admin/clients', co.admin.token, { name, accountManagerId: co.manager.id, ...(keyPrefix ? { keyPrefix } : {}) });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const clientId = created.body.id as string;
  await h.post(`/admin/clients/${clientId}/subscriptions`, co.admin.token, { monthlyHours: 40, timezone: 'Europe/Berlin', startsOn: '2026-01-01' });
  const contact = await h.post(`/admin/clients/${clientId}/contacts`, co.admin.token, { name: 'Contact', email: `c-${randomUUID()}@test.example` });
  const token = await h.post('/admin/credentials', co.admin.token, { contactId: contact.body.id, label: 'test' });
  return { clientId, keyPrefix: created.body.keyPrefix as string, contact: { id: contact.body.id as string, token: token.body.token as string } };
}

const randomPrefix = () => `K${randomUUID().replace(/[^A-F0-9]/gi, '').slice(0, 7).toUpperCase()}`;

describe('request keys', () => {
  it('200 requests filed concurrently for one client get 200 distinct consecutive keys', async () => {
    const c = await newClient(`Keyed ${randomUUID()}`, randomPrefix());
    // As a careful client files: with an Idempotency-Key, retried on 503 (a busy machine) until answered.
    const fileOne = async (i: number) => {
      const key = `bulk-${i}-${randomUUID()}`;
      for (;;) {
        const res = await h.post('/requests', c.contact.token, { title: `Request ${i}`, description: 'd' }).set('Idempotency-Key', key);
        if (res.status !== 503) return res;
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    const filed = await Promise.all(Array.from({ length: 200 }, (_, i) => fileOne(i)));
    expect(filed.map((r) => r.status).filter((s) => s !== 201)).toEqual([]);
    const keys = filed.map((r) => r.body.key as string);
    expect(new Set(keys).size).toBe(200);
    const numbers = keys.map((k) => {
      expect(k.startsWith(`${c.keyPrefix}-`)).toBe(true);
      return Number(k.slice(c.keyPrefix.length + 1));
    });
    expect(numbers.sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    // Every Location names the request by its key, and the key leads to the same request.
    expect(filed[0]!.headers.location).toBe(`/requests/${keys[0]}`);
    const byKey = await h.get(`/requests/${keys[7]}`, c.contact.token);
    expect(byKey.body.requestId).toBe(filed[7]!.body.requestId);
  });

  it('a retried create under the same Idempotency-Key gets the same key; a key is never given twice', async () => {
    const c = await newClient(`Retry ${randomUUID()}`, randomPrefix());
    const key = `file-${randomUUID()}`;
    const send = () => h.post('/requests', c.contact.token, { title: 'Once', description: 'd' }).set('Idempotency-Key', key);
    const all = await Promise.all(Array.from({ length: 20 }, send));
    expect(new Set(all.map((r) => r.body.key as string))).toEqual(new Set([`${c.keyPrefix}-1`]));
    const next = await h.post('/requests', c.contact.token, { title: 'Next', description: 'd' });
    expect(next.body.key).toBe(`${c.keyPrefix}-2`);
    // Cancelled or closed, a key stays its request's: the next is new.
    await f.act(`/requests/${next.body.key as string}/cancel`, c.contact, { reason: 'not needed' });
    expect((await h.post('/requests', c.contact.token, { title: 'Third', description: 'd' })).body.key).toBe(`${c.keyPrefix}-3`);
  });

  it('names the workflow (request-KEY), its RequestKey search attribute, its summary and every notification', async () => {
    const id = await f.file('Export broken');
    const state = await f.state(id);
    expect(state.key).toMatch(REQUEST_KEY);
    const handle = await requestHandle(h, id);
    expect(handle.workflowId).toBe(`request-${state.key}`);
    const described = await handle.describe();
    expect(described.typedSearchAttributes.get(searchAttributes.key)).toBe(state.key);
    expect(await described.staticSummary()).toMatch(new RegExp(`^${state.key!.replace('-', '\\\\-')} · normal · `));
    const found: string[] = [];
    for await (const wf of h.temporal.workflow.list({ query: `RequestKey = '${state.key}'` })) found.push(wf.workflowId);
    expect(found).toEqual([`request-${state.key}`]);
    const inbox = await eventually(() => h.get('/inbox?limit=100', co.manager.token), (r) => (r.body.items as { requestId: string }[]).some((n) => n.requestId === id), 'the manager to be told');
    const mine = (inbox.body.items as { requestId: string; text: string }[]).filter((n) => n.requestId === id);
    expect(mine.length).toBeGreaterThan(0);
    for (const n of mine) expect(n.text.startsWith(`${state.key} · `)).toBe(true);
    // Staff open the workflow in the Temporal UI from the request; a client is shown nothing of it.
    const staff = await h.get(`/requests/${id}`, co.manager.token);
    expect(staff.body.workflow).toEqual({ id: `request-${state.key}`, url: `${TEST_TEMPORAL_UI}/namespaces/${h.temporal.options.namespace}/workflows/request-${state.key}` });
    const client = await h.get(`/requests/${id}`, co.client.token);
    expect(client.status).toBe(200);
    expect(client.body.workflow).toBeUndefined();
    expect(JSON.stringify(client.body)).not.toContain('temporal-ui.test');
  });

  it('the triage queue: staff see when triage is due (R3) until it is done; a client never does', async () => {
    const id = await f.file('Printer on fire', 'critical');
    const list = await h.get('/requests?stage=Triage&limit=100', co.manager.token);
    const item = (list.body.items as { requestId: string; triageDueAt: string | null }[]).find((x) => x.requestId === id);
    const state = await f.state(id);
    expect(item?.triageDueAt).toBe(new Date(state.triageDueAt).toISOString());
    const theirs = await h.get('/requests?limit=100', co.client.token);
    expect(JSON.stringify(theirs.body)).not.toContain('triageDueAt');
    await f.act(`/requests/${id}/triage`, co.manager, { decision: 'delegate' });
    const after = await eventually(
      () => h.get('/requests?limit=100', co.manager.token),
      (r) => (r.body.items as { requestId: string; stage: string }[]).some((x) => x.requestId === id && x.stage !== 'Triage'),
      'the triage to reach the list',
    );
    expect((after.body.items as { requestId: string; triageDueAt: string | null }[]).find((x) => x.requestId === id)?.triageDueAt).toBeNull();
  });

  it('works wherever an id does; another organisation\'s key is 404; a malformed one 400', async () => {
    const id = await f.executing();
    const { key } = await f.state(id);
    for (const path of ['', '/timeline', '/time', '/messages', '/attachments']) {
      const res = await h.get(`/requests/${key!}${path}`, co.client.token);
      expect(res.status, path).toBe(200);
    }
    expect((await h.post(`/requests/${key!}/tasks/T1/progress`, co.backendSenior.token, { percent: 40 })).status).toBe(200);
    expect((await h.get(`/requests/${key!}`, co.otherClient.token)).status).toBe(404);
    expect((await h.get(`/requests/${key!.replace(/\d+$/, '999999')}`, co.client.token)).status).toBe(404);
    for (const bad of ['acme-1', 'ACME-0', 'ACME-01', 'A-1', 'ACME-', '-1', 'ACME_1', 'ÄCME-1']) {
      expect((await h.get(`/requests/${encodeURIComponent(bad)}`, co.client.token)).status, bad).toBe(400);
    }
    const list = await h.get('/requests?limit=100', co.client.token);
    expect((list.body.items as { requestId: string; key: string }[]).find((r) => r.requestId === id)?.key).toBe(key);
  });

  it('a linked request (R20) gets the next key of the same client', async () => {
    const id = await f.executing();
    const { key } = await f.state(id);
    const after = await f.act(`/requests/${id}/linked-requests`, co.manager, { title: 'Also the invoices', description: 'found on the way' });
    const linkedId = after.linked.at(-1)!;
    const linked = await f.state(linkedId);
    expect(linked.key).toMatch(new RegExp(`^${key!.split('-')[0]}-\\d+$`));
    expect(Number(linked.key!.split('-')[1])).toBeGreaterThan(Number(key!.split('-')[1]));
    expect((await requestHandle(h, linkedId)).workflowId).toBe(`request-${linked.key}`);
  });

  it('a prefix is chosen from the name, unique among clients; one asked for that is taken is 409', async () => {
    const prefix = randomPrefix();
    expect((await newClient(`First ${randomUUID()}`, prefix)).keyPrefix).toBe(prefix);
    expect((await h.post('/admin/clients', co.admin.token, { name: `Second ${randomUUID()}`, keyPrefix: prefix })).status).toBe(409);
    for (const bad of ['acme', 'A', '1ACME', 'ACME-', 'ABCDEFGHIJK']) {
      expect((await h.post('/admin/clients', co.admin.token, { name: `Bad ${randomUUID()}`, keyPrefix: bad })).status, bad).toBe(400);
    }
    const a = await newClient(`Ромашка ${randomUUID()}`);
    const b = await newClient(`Ромашка ${randomUUID()}`);
    expect(a.keyPrefix).toMatch(/^ROMASH\d*$/);
    expect(b.keyPrefix).toMatch(/^ROMASH\d*$/);
    expect(a.keyPrefix).not.toBe(b.keyPrefix);
  });
});

describe('key prefixes from names', () => {
  it.each([
    ['Acme Corp', 'ACME'],
    ['Ромашка', 'ROMASH'],
    ['Ёлки-Палки', 'ELKI'],
    ['Café Müller', 'CAFE'],
    ['3M', 'MX'],
    ['X', 'XX'],
    ['Blue Sky', 'BLUE'],
    ['A B C', 'ABC'],
    ['Northwind Traders', 'NORTHW'],
    ['Қазақ Телеком', 'KAZAK'],
    ['!!!', 'CX'],
  ])('%s → %s', (name, prefix) => {
    expect(prefixFromName(name)).toBe(prefix);
  });

  it('a taken prefix gets the lowest free number, within ten characters', () => {
    expect(freePrefix('ACME', [])).toBe('ACME');
    expect(freePrefix('ACME', ['ACME'])).toBe('ACME2');
    expect(freePrefix('ACME', ['ACME', 'ACME2', 'ACME3'])).toBe('ACME4');
    expect(freePrefix('ABCDEFGHIJ', ['ABCDEFGHIJ'])).toBe('ABCDEFGHI2');
  });
});
