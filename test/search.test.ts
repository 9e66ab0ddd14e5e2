// Full-text search (GET /requests?q=) over titles, descriptions and messages, in Russian and
// English, ranked, highlighted, under the list's visibility rule: a client never finds an internal
// note, nobody finds another organisation's request.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEARCH_CANDIDATES } from '../src/stores/search';
import { Flow, openCompany } from './support/flow';
import type { Company, Harness, Person } from './support/harness';

let h: Harness;
let co: Company;
let f: Flow;
/** A word no other test file uses, so results are this file's own. */
const tag = `z${randomUUID().replace(/-/g, '').slice(0, 10)}`;

beforeAll(async () => {
  ({ h, co, f } = await openCompany());
});
afterAll(async () => {
  await h.close();
});

interface Hit {
  requestId: string;
  key: string;
  rank: number;
  matched: { in: string; messageId?: string };
  snippet: { text: string; match: boolean }[];
}

async function search(who: Person, q: string, extra = ''): Promise<Hit[]> {
  const res = await h.get(`/requests?q=${encodeURIComponent(q)}${extra}`, who.token);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items as Hit[];
}

const file = async (title: string, description: string, who: Person = co.client) =>
  (await f.act('/requests', who, { title, description }, 201)).requestId;

describe('search', () => {
  it('Russian stemming: "отчёт" finds "отчёты" and "отчета"; English: "export" finds "exports"', async () => {
    const ru = await file(`Квартальные отчёты не выгружаются ${tag}`, 'С понедельника пустые файлы.');
    const ru2 = await file(`Ошибка ${tag}`, 'Нет отчета за октябрь в личном кабинете.');
    const en = await file(`Nightly exports failing ${tag}`, 'The CSV exports stop at midnight.');
    const found = await search(co.client, `отчёт ${tag}`);
    expect(found.map((x) => x.requestId).sort()).toEqual([ru, ru2].sort());
    const english = await search(co.client, `export ${tag}`);
    expect(english.map((x) => x.requestId)).toEqual([en]);
    // The word as written is highlighted in the snippet.
    const hit = found.find((x) => x.requestId === ru)!;
    expect(hit.snippet.filter((p) => p.match).map((p) => p.text.toLowerCase())).toContain('отчёты');
    expect(hit.snippet.map((p) => p.text).join('')).toContain('Квартальные');
  });

  it('ranks a match in the title above one only in the description; pages with a cursor', async () => {
    const inTitle = await file(`Invoice ${tag} mismatch`, 'Totals differ.');
    const inBody = await file(`Something odd ${tag}`, 'Seen on the invoice page once.');
    const hits = await search(co.manager, `invoice ${tag}`);
    expect(hits.map((x) => x.requestId).slice(0, 2)).toEqual([inTitle, inBody]);
    expect(hits[0]!.rank).toBeGreaterThan(hits[1]!.rank);
    const all: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const res = await h.get(`/requests?q=${encodeURIComponent(tag)}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, co.manager.token);
      all.push(...(res.body.items as Hit[]).map((x) => x.requestId));
      cursor = res.body.nextCursor as string | null;
    }
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBeGreaterThanOrEqual(5);
  });

  it('finds public messages for everyone who sees the request, internal notes for staff only', async () => {
    const id = await file(`Login trouble ${tag}`, 'Cannot sign in.');
    await f.act(`/requests/${id}/triage`, co.manager, { decision: 'delegate' });
    expect((await h.post(`/requests/${id}/messages`, co.client.token, { body: `The certificate expired yesterday ${tag}` })).status).toBe(201);
    const note = await h.post(`/requests/${id}/messages`, co.manager.token, { body: `Their admin reset the password ${tag}`, internal: true });
    expect(note.status).toBe(201);
    const pub = await search(co.client, `certificate ${tag}`);
    expect(pub.map((x) => x.requestId)).toEqual([id]);
    expect(pub[0]!.matched.in).toBe('message');
    expect(await search(co.client, `password ${tag}`)).toEqual([]);
    const staff = await search(co.manager, `password ${tag}`);
    expect(staff.map((x) => x.requestId)).toEqual([id]);
    expect(staff[0]!.matched).toEqual({ in: 'message', messageId: note.body.id });
    // A deleted note is found by nobody.
    await h.http.delete(`/requests/${id}/messages/${note.body.id as string}`).set('Authorization', `Bearer ${co.manager.token}`).send({ reason: 'wrong request' });
    expect(await search(co.manager, `password ${tag}`)).toEqual([]);
  });

  it("another organisation's requests and a specialist's others are never found", async () => {
    const theirs = await file(`Payroll ${tag} broken`, 'Other org.', co.otherClient);
    const ours = await file(`Payroll ${tag} slow`, 'Our org.');
    expect((await search(co.client, `payroll ${tag}`)).map((x) => x.requestId)).toEqual([ours]);
    expect((await search(co.otherClient, `payroll ${tag}`)).map((x) => x.requestId)).toEqual([theirs]);
    expect(await search(co.backendSenior, `payroll ${tag}`)).toEqual([]);
    expect((await search(co.head, `payroll ${tag}`)).map((x) => x.requestId).sort()).toEqual([ours, theirs].sort());
    // The list's filters apply to a search too.
    expect(await search(co.head, `payroll ${tag}`, `&clientId=${co.otherClientId}`)).toHaveLength(1);
    expect(await search(co.head, `payroll ${tag}`, '&stage=Closed')).toEqual([]);
  });

  it("a manager finds their clients' requests, and of another manager's client only the requests they manage", async () => {
    // The other organisation is handed to a second account manager; requests filed before stay with the first.
    const kept = await file(`Handover ${tag} kept`, 'Filed before the hand-over.', co.otherClient);
    const second = await h.post('/admin/staff', co.admin.token, { name: 'Second manager', email: `second-${tag}@test.example`, role: 'manager' });
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    const credential = await h.post('/admin/credentials', co.admin.token, { staffId: second.body.id, label: 'test' });
    const m2: Person = { id: second.body.id as string, token: credential.body.token as string };
    await h.db('clients').where({ id: co.otherClientId }).update({ account_manager_id: m2.id });
    try {
      const after = await file(`Handover ${tag} new`, 'Filed after the hand-over.', co.otherClient);
      const own = await file(`Handover ${tag} ours`, 'Our organisation.');
      expect((await search(co.manager, `handover ${tag}`)).map((x) => x.requestId).sort()).toEqual([kept, own].sort());
      expect((await search(m2, `handover ${tag}`)).map((x) => x.requestId).sort()).toEqual([kept, after].sort());
      // Messages follow the same rule.
      const reply = await h.post(`/requests/${after}/messages`, m2.token, { body: `Handover ${tag} reply` });
      expect(reply.status, JSON.stringify(reply.body)).toBe(201);
      expect((await search(co.manager, `reply ${tag}`)).map((x) => x.requestId)).toEqual([]);
    } finally {
      await h.db('clients').where({ id: co.otherClientId }).update({ account_manager_id: co.manager.id });
    }
  });

  it('the key finds its request; odd input is answered, never a 500', async () => {
    const id = await file(`Keyed ${tag}`, 'd');
    const key = (await f.state(id)).key!;
    expect((await search(co.client, key)).map((x) => x.requestId)).toContain(id);
    for (const q of ['"unclosed phrase', 'a & b | !c', '-', "'); drop table requests; --", 'ё', '🙂 emoji', '<script>', 'x'.repeat(200), 'or or or']) {
      const res = await h.get(`/requests?q=${encodeURIComponent(q)}`, co.client.token);
      expect([200, 400], q).toContain(res.status);
      if (res.status === 400) expect(res.headers['content-type']).toMatch(/problem\+json/);
    }
    for (const q of ['', 'x'.repeat(201), 'a\u0000b']) expect((await h.get(`/requests?q=${encodeURIComponent(q)}`, co.client.token)).status, q).toBe(400);
    expect((await h.get(`/requests?q=${tag}&cursor=bm9wZQ`, co.client.token)).status).toBe(400);
    expect((await h.get(`/requests?q=the`, co.client.token)).status).toBe(400);
  });

  it('a word found in more places than are ranked says so (complete: false); fewer, complete: true', async () => {
    const id = await file(`Flood ${tag}`, 'd');
    const word = `flood${tag}`;
    const rows = Array.from({ length: SEARCH_CANDIDATES + 1 }, (_, i) => ({ id: randomUUID(), request_id: id, client_id: co.clientId, author_id: co.client.id, author_role: 'client', internal: false, body: `${word} number ${i}`, idempotency_key: randomUUID() }));
    await h.db.batchInsert('messages', rows, 200);
    const many = await h.get(`/requests?q=${word}`, co.manager.token);
    expect(many.body.complete).toBe(false);
    expect((many.body.items as Hit[]).map((x) => x.requestId)).toEqual([id]);
    const few = await h.get(`/requests?q=${encodeURIComponent(`certificate ${tag}`)}`, co.manager.token);
    expect(few.body.complete).toBe(true);
  });
});
