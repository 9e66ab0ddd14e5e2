// The conversation of a request (public replies, internal notes, edits, soft deletes, time on a
// message) and its attachments, on the real stack: what the client reads, what staff read, what
// the workflow hears of it, and what nobody sees while it is not theirs.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TIMING, type RequestState } from '../src/domain';
import { allOperations } from '../src/api/openapi';
import { Flow, eventually, openCompany } from './support/flow';
import type { Company, Harness, Person } from './support/harness';
import { expectReadModelEqualsWorkflow } from './support/read-model';

const REMINDER_MS = 4_000;
const LIMITS = { maxFileBytes: 1024 * 1024, maxRequestBytes: 2 * 1024 * 1024 + 512 * 1024 };

let h: Harness;
let co: Company;
let f: Flow;

beforeAll(async () => {
  ({ h, co, f } = await openCompany({
    attachmentLimits: LIMITS,
    context: {
      calendar: { timeZone: 'UTC', workdays: [1, 2, 3, 4, 5, 6, 7], dayStart: '00:00', dayEnd: '24:00', holidays: [] },
      policy: { ...DEFAULT_TIMING, clientReminderEveryMs: REMINDER_MS, clientReminderMax: 5 },
    },
  }));
});
afterAll(async () => {
  await h.close();
});

const say = (id: string, who: Person, body: object, key?: string) => {
  const call = h.post(`/requests/${id}/messages`, who.token, body);
  return key ? call.set('Idempotency-Key', key) : call;
};
const upload = (id: string, who: Person, bytes: Buffer, filename: string, type = 'application/octet-stream', extra: Record<string, string> = {}) =>
  h.http
    .post(`/requests/${id}/attachments`)
    .query({ filename, ...extra })
    .set('Authorization', `Bearer ${who.token}`)
    .set('Content-Type', type)
    .send(bytes);
const download = (id: string, who: Person, attachmentId: string) =>
  h.http
    .get(`/requests/${id}/attachments/${attachmentId}`)
    .set('Authorization', `Bearer ${who.token}`)
    .buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
const count = async (table: string, where: Record<string, string> = {}) => Number(((await h.db(table).where(where).count('* as n').first()) as { n: string }).n);

/** What a live stream says over a second while `meanwhile` happens (a stream never ends by itself). */
async function streamFor(path: string, token: string, meanwhile: () => Promise<unknown>): Promise<string> {
  const server = h.app.listen(0);
  const abort = new AbortController();
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}${path}`, { headers: { Authorization: `Bearer ${token}` }, signal: abort.signal });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = `${res.status} `;
    const reading = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          text += value;
        }
      } catch {
        // aborted
      }
    })();
    await meanwhile();
    await new Promise((r) => setTimeout(r, 1000));
    abort.abort();
    await reading;
    return text;
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

describe('the conversation moves the request on', () => {
  it('R13 a client reply while the request waits for the client resumes the SLA clock and answers the question', async () => {
    const id = await f.executing();
    const asked = await f.act(`/requests/${id}/ask-client`, co.manager, { text: 'Which export fails: CSV or XLSX?' });
    expect(asked.slaPauses.at(-1)?.to).toBeUndefined();
    const deadline = asked.tasks[0]!.deadlineAt!;
    await new Promise((r) => setTimeout(r, 1200));
    const res = await say(id, co.client, { body: 'The XLSX one; here is the log you asked for.' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.internal).toBe(false);
    const s = await eventually(() => f.state(id), (x) => x.slaPauses.at(-1)?.to !== undefined, 'the clock to run again');
    // The deadline moved by the pause, and the question is answered with the reply.
    expect(Date.parse(s.tasks[0]!.deadlineAt!)).toBeGreaterThanOrEqual(Date.parse(deadline) + 1000);
    expect(s.questions.every((q) => q.status !== 'client')).toBe(true);
    const seen = await h.get(`/requests/${id}`, co.client.token);
    expect(seen.body.questions.at(-1)).toMatchObject({ status: 'answered', answer: 'The XLSX one; here is the log you asked for.' });
    // The manager hears of it, by the request's key.
    const inbox = await eventually(
      () => h.get('/inbox?limit=100', co.manager.token),
      (r) => (r.body.items as { kind: string; text: string }[]).some((n) => n.kind === 'message.client' && n.text.includes('here is the log')),
      'the manager to be told',
    );
    const note = (inbox.body.items as { kind: string; text: string }[]).find((n) => n.kind === 'message.client')!;
    expect(note.text.startsWith(`${s.key} · `)).toBe(true);
    const timeline = await h.get(`/requests/${id}/timeline`, co.client.token);
    expect((timeline.body.items as { type: string }[]).map((e) => e.type)).toContain('reply');
  });

  it('R21 a client reply during client review resets the reminder count and the silent period', async () => {
    const id = await f.inClientReview();
    const reminded = await eventually(() => f.state(id), (s) => s.remindersSent >= 1, 'a reminder', 20_000);
    const before = reminded.clientReviewSince!;
    const t0 = new Date().toISOString();
    expect((await say(id, co.client, { body: 'Still checking, give us a day.' })).status).toBe(201);
    const s = await eventually(() => f.state(id), (x) => (x.clientReviewSince ?? '') >= t0, 'the review clock to restart');
    expect(s.clientReviewSince! > before).toBe(true);
    expect(s.remindersSent).toBe(0);
    expect(s.stage).toBe('ClientReview');
  });

  it("a team's public reply tells the client; an internal note tells nobody and never reaches the workflow", async () => {
    const id = await f.executing();
    const versionBefore = (await f.state(id)).version;
    const note = await say(id, co.manager, { body: 'Internal: the client DB is on 9.6, be careful.', internal: true });
    expect(note.status).toBe(201);
    await new Promise((r) => setTimeout(r, 300));
    expect((await f.state(id)).version).toBe(versionBefore);
    expect((await say(id, co.backendSenior, { body: 'We reproduced it and are on it.' })).status).toBe(201);
    await eventually(
      () => h.get('/inbox?limit=100', co.client.token),
      (r) => (r.body.items as { kind: string; text: string }[]).some((n) => n.kind === 'message.reply' && n.text.includes('We reproduced it')),
      'the client to be told',
    );
    await expectReadModelEqualsWorkflow(h, id);
  });

  it('time on a message is logged through the workflow once, as communication, and a retry posts nothing twice', async () => {
    const id = await f.executing();
    const key = `call-${randomUUID()}`;
    const first = await say(id, co.manager, { body: 'Call with the client: agreed on the XLSX layout.', minutes: 30 }, key);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const again = await say(id, co.manager, { body: 'Call with the client: agreed on the XLSX layout.', minutes: 30 }, key);
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    expect((await say(id, co.manager, { body: 'Something else', minutes: 30 }, key)).status).toBe(422);
    const entries = (await f.entries(id)).filter((e) => e.note.includes('agreed on the XLSX layout'));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ minutes: 30, category: 'communication', personId: co.manager.id });
    // R2: a manager's communication is billable beyond the quick-answer threshold, like any logged call.
    expect(typeof entries[0]!.billable).toBe('boolean');
    expect(await count('messages', { request_id: id })).toBe(1);
    // A client logs no time.
    expect((await say(id, co.client, { body: 'x', minutes: 5 })).status).toBe(403);
  });

  it('the same message sent 50 times in parallel under one key is one message and one reply; 50 different ones are 50', async () => {
    const id = await f.executing();
    const key = `same-${randomUUID()}`;
    const same = await Promise.all(Array.from({ length: 50 }, () => say(id, co.client, { body: 'Any news?' }, key)));
    expect(same.every((r) => r.status === 201 || r.status === 200), JSON.stringify(same.map((r) => r.status))).toBe(true);
    expect(new Set(same.map((r) => r.body.id as string)).size).toBe(1);
    const different = await Promise.all(Array.from({ length: 50 }, (_, i) => say(id, co.client, { body: `Note ${i} with «кавычки» and 🙂` })));
    expect(different.every((r) => r.status === 201)).toBe(true);
    expect(await count('messages', { request_id: id })).toBe(51);
    const replies = await eventually(
      async () => Number(((await h.db('audit_events').where({ request_id: id, type: 'reply' }).count('* as n').first()) as { n: string }).n),
      (n) => n === 51,
      '51 reply events',
    );
    expect(replies).toBe(51);
    await expectReadModelEqualsWorkflow(h, id);
    // The conversation pages in order, whole.
    const seen: string[] = [];
    for (let after = 0; ; ) {
      const page = await h.get(`/requests/${id}/messages?after=${after}&limit=20`, co.client.token);
      seen.push(...(page.body.items as { id: string }[]).map((m) => m.id));
      if (page.body.nextAfter === null) break;
      after = page.body.nextAfter as number;
    }
    expect(new Set(seen).size).toBe(51);
  });

  it('an edit keeps the earlier text for staff; only the author edits; a delete is soft, by staff, with a reason', async () => {
    const id = await f.executing();
    const posted = await say(id, co.client, { body: 'The report is slow on Mondays.' });
    const mid = posted.body.id as string;
    expect((await h.http.patch(`/requests/${id}/messages/${mid}`).set('Authorization', `Bearer ${co.manager.token}`).send({ body: 'hijacked' })).status).toBe(403);
    const edited = await h.http.patch(`/requests/${id}/messages/${mid}`).set('Authorization', `Bearer ${co.client.token}`).send({ body: 'The report is slow on Mondays and Tuesdays.' });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ body: 'The report is slow on Mondays and Tuesdays.', revision: 2 });
    const revisions = await h.get(`/requests/${id}/messages/${mid}/revisions`, co.manager.token);
    expect(revisions.body.items).toEqual([expect.objectContaining({ revision: 1, body: 'The report is slow on Mondays.', replacedBy: co.client.id })]);
    expect((await h.get(`/requests/${id}/messages/${mid}/revisions`, co.client.token)).status).toBe(403);

    const del = (who: Person, body: object) => h.http.delete(`/requests/${id}/messages/${mid}`).set('Authorization', `Bearer ${who.token}`).send(body);
    expect((await del(co.client, { reason: 'mine' })).status).toBe(403);
    expect((await del(co.manager, {})).status).toBe(400);
    const deleted = await del(co.manager, { reason: 'posted on the wrong request' });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ body: null, deleted: { by: co.manager.id, reason: 'posted on the wrong request' } });
    expect((await del(co.manager, { reason: 'again' })).status).toBe(409);
    // The client no longer sees it; staff see that it was deleted, by whom and why.
    expect((await h.get(`/requests/${id}/messages/${mid}`, co.client.token)).status).toBe(404);
    const staffView = await h.get(`/requests/${id}/messages/${mid}`, co.manager.token);
    expect(staffView.body).toMatchObject({ body: null, deleted: { reason: 'posted on the wrong request' } });
    // The text stays in the database for the audit trail.
    expect(((await h.db('messages').where({ id: mid }).first()) as { body: string }).body).toBe('The report is slow on Mondays and Tuesdays.');
    expect((await h.http.patch(`/requests/${id}/messages/${mid}`).set('Authorization', `Bearer ${co.client.token}`).send({ body: 'x' })).status).toBe(404);
  });

  it('a closed request takes no more replies and stores nothing; bad input is 400 and stores nothing', async () => {
    const id = await f.inClientReview();
    await f.act(`/requests/${id}/confirm-closure`, co.client);
    const before = await count('messages', { request_id: id });
    expect((await say(id, co.client, { body: 'Thanks!' })).status).toBe(409);
    for (const body of [{ body: '' }, { body: 'a\u0000b' }, { body: 'x', internal: 'yes' }, { body: 'x', minutes: 0 }, { body: 'x', category: 'communication' }, { body: 'x'.repeat(20_001) }, { text: 'x' }]) {
      const res = await say(id, co.manager, body);
      expect(res.status, JSON.stringify(body).slice(0, 60)).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    expect((await say(id, co.client, { body: 'secret', internal: true })).status).toBe(403);
    expect(await count('messages', { request_id: id })).toBe(before);
    // A specialist not on the request, and another organisation, do not see it at all.
    expect((await say(id, co.frontendSenior, { body: 'hi' })).status).toBe(404);
    expect((await say(id, co.otherClient, { body: 'hi' })).status).toBe(404);
  });
});

describe('an internal note is for staff only', () => {
  it('never appears in any response the client role can get, on any endpoint', async () => {
    const id = await f.executing();
    const marker = `INTERNAL-${randomUUID()}`;
    const note = await say(id, co.manager, { body: `${marker} the client is behind on invoices`, internal: true, minutes: 20 });
    expect(note.status, JSON.stringify(note.body)).toBe(201);
    const file = await upload(id, co.manager, Buffer.from(`${marker} internal spreadsheet`), `${marker}.txt`, 'text/plain', { messageId: note.body.id as string });
    expect(file.status, JSON.stringify(file.body)).toBe(201);
    expect((await say(id, co.client, { body: 'A public question.' })).status).toBe(201);
    // Staff see it (so the scan below would find it if it leaked).
    const staffMessages = await h.get(`/requests/${id}/messages`, co.manager.token);
    expect(JSON.stringify(staffMessages.body)).toContain(marker);
    const staffSearch = await h.get(`/requests?q=${encodeURIComponent('invoices')}`, co.manager.token);
    expect((staffSearch.body.items as { matched: { messageId?: string } }[]).map((x) => x.matched.messageId)).toContain(note.body.id);

    const key = (await f.state(id)).key!;
    const month = new Date().toISOString().slice(0, 7);
    const params: Record<string, string> = { messageId: note.body.id as string, attachmentId: file.body.id as string, month };
    const gets = allOperations().filter((op) => op.method === 'get' && op.roles !== 'public' && op.roles.includes('client'));
    expect(gets.length).toBeGreaterThan(8);
    const bodies: string[] = [];
    for (const op of gets) {
      const paths = op.path.startsWith('/requests/:id')
        ? [op.path.replace(':id', id), op.path.replace(':id', key)]
        : [op.path.replace(':id', co.clientId)];
      for (const p of paths) {
        const filled = p.replace(/:(\w+)/g, (_, name: string) => params[name] ?? 'x');
        const extra = op.path === '/requests' ? ['', `?q=${encodeURIComponent('invoices')}`, `?q=${encodeURIComponent(marker)}`] : op.path.includes('statements') ? ['', '?format=csv'] : [''];
        for (const suffix of extra) {
          if (op.produces === 'text/event-stream') {
            bodies.push(await streamFor(`${filled}${suffix}`, co.client.token, () => h.post(`/requests/${id}/messages`, co.manager.token, { body: `${marker} again`, internal: true })));
            continue;
          }
          const res = await h.get(`${filled}${suffix}`, co.client.token);
          bodies.push(`${res.status} ${JSON.stringify(res.headers)} ${res.text}`);
        }
      }
    }
    const inbox = await h.get('/inbox?limit=100', co.client.token);
    bodies.push(inbox.text);
    const leaks = bodies.filter((b) => b.includes(marker) || b.includes('behind on invoices') || b.includes('internal spreadsheet'));
    expect(bodies.length).toBeGreaterThan(20);
    expect(leaks).toEqual([]);
    // The internal note's message and file are simply not there for the client.
    expect((await h.get(`/requests/${id}/messages/${note.body.id as string}`, co.client.token)).status).toBe(404);
    expect((await download(id, co.client, file.body.id as string)).status).toBe(404);
  });
});

describe('attachments', () => {
  it('travel in and out whole, typed by their bytes, always as a download, checksummed', async () => {
    const id = await f.executing();
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(700 * 1024)]);
    const up = await upload(id, co.client, png, 'Скриншот экрана (1).png', 'text/plain');
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    expect(up.body).toMatchObject({ contentType: 'image/png', size: png.length, sha256: createHash('sha256').update(png).digest('hex'), filename: 'Скриншот экрана (1).png' });
    const down = await download(id, co.manager, up.body.id as string);
    expect(down.status).toBe(200);
    expect(Buffer.compare(down.body as Buffer, png)).toBe(0);
    expect(down.headers['content-type']).toBe('image/png');
    expect(down.headers['content-disposition']).toMatch(/^attachment; filename="[^"]*"; filename\*=UTF-8''%D0%A1/);
    expect(down.headers['x-content-type-options']).toBe('nosniff');
    // The request's key works wherever its id does.
    const key = (await f.state(id)).key!;
    expect((await download(key, co.client, up.body.id as string)).status).toBe(200);
  });

  it('a file whose bytes are HTML but claims image/png is served as what it is, never inline', async () => {
    const id = await f.executing();
    const html = Buffer.from('<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>');
    const up = await upload(id, co.client, html, 'cat.png', 'image/png');
    expect(up.status).toBe(201);
    expect(up.body.contentType).toBe('text/html');
    const down = await download(id, co.manager, up.body.id as string);
    expect(down.headers['content-type']).toMatch(/^text\/html/);
    expect(down.headers['content-disposition']).toMatch(/^attachment;/);
    expect(down.headers['x-content-type-options']).toBe('nosniff');
    expect(down.headers['content-security-policy']).toMatch(/sandbox/);
  });

  it('over the limit per file or per request is 413 problem+json and stores nothing', async () => {
    const id = await f.executing();
    const before = { files: await count('attachments'), chunks: await count('attachment_chunks') };
    const big = await upload(id, co.client, randomBytes(LIMITS.maxFileBytes + 1), 'big.bin');
    expect(big.status).toBe(413);
    expect(big.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(big.body).toMatchObject({ status: 413, limit: 'file', maxBytes: LIMITS.maxFileBytes });
    // Streamed without a length (chunked): refused as it crosses the limit, rolled back.
    const server = h.app.listen(0);
    try {
      const port = (server.address() as { port: number }).port;
      const piece = randomBytes(64 * 1024);
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent > LIMITS.maxFileBytes + piece.length) return controller.close();
          sent += piece.length;
          controller.enqueue(piece);
        },
      });
      const streamed = await fetch(`http://127.0.0.1:${port}/requests/${id}/attachments?filename=stream.bin`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${co.client.token}`, 'Content-Type': 'application/octet-stream' },
        body,
        duplex: 'half',
      }).catch(() => undefined);
      // The server answers 413 as the limit is crossed.
      expect(streamed?.status).toBe(413);
      expect(((await streamed!.json()) as { limit: string }).limit).toBe('file');
    } finally {
      server.close();
    }
    expect({ files: await count('attachments'), chunks: await count('attachment_chunks') }).toEqual(before);
    // Per request: two files fit, the third would pass the request's total.
    expect((await upload(id, co.client, randomBytes(LIMITS.maxFileBytes), 'a.bin')).status).toBe(201);
    expect((await upload(id, co.client, randomBytes(LIMITS.maxFileBytes), 'b.bin')).status).toBe(201);
    const third = await upload(id, co.client, randomBytes(LIMITS.maxFileBytes), 'c.bin');
    expect(third.status).toBe(413);
    expect(third.body.limit).toBe('request');
    expect(await count('attachments', { request_id: id })).toBe(2);
  });

  it('a duplicate upload under the same Idempotency-Key stores nothing twice; another file under it is 422', async () => {
    const id = await f.executing();
    const bytes = randomBytes(300 * 1024);
    const key = `up-${randomUUID()}`;
    const all = await Promise.all(Array.from({ length: 10 }, () => upload(id, co.client, bytes, 'log.bin').set('Idempotency-Key', key)));
    expect(all.every((r) => r.status === 201 || r.status === 200), JSON.stringify(all.map((r) => r.status))).toBe(true);
    expect(new Set(all.map((r) => r.body.id as string)).size).toBe(1);
    expect(await count('attachments', { request_id: id })).toBe(1);
    expect(await count('attachment_chunks', { attachment_id: all[0]!.body.id as string })).toBe(2);
    expect((await upload(id, co.client, randomBytes(10), 'log.bin').set('Idempotency-Key', key)).status).toBe(422);
  });

  it("a client gets 404 for an internal note's file and for another organisation's; staff not on a request too", async () => {
    const id = await f.executing();
    const note = await say(id, co.manager, { body: 'internal', internal: true });
    const internal = await upload(id, co.manager, Buffer.from('internal'), 'internal.txt', 'text/plain', { messageId: note.body.id as string });
    const open = await upload(id, co.client, Buffer.from('public'), 'public.txt');
    expect((await download(id, co.client, internal.body.id as string)).status).toBe(404);
    expect((await download(id, co.client, open.body.id as string)).status).toBe(200);
    expect((await download(id, co.otherClient, open.body.id as string)).status).toBe(404);
    expect((await download(id, co.frontendSenior, open.body.id as string)).status).toBe(404);
    const list = await h.get(`/requests/${id}/attachments`, co.client.token);
    expect((list.body.items as { id: string }[]).map((a) => a.id)).toEqual([open.body.id]);
    // Files go on your own messages only; a client cannot reach an internal note's.
    expect((await upload(id, co.client, Buffer.from('x'), 'x.txt', 'text/plain', { messageId: note.body.id as string })).status).toBe(404);
    const clientMsg = await say(id, co.client, { body: 'see attached' });
    expect((await upload(id, co.manager, Buffer.from('x'), 'x.txt', 'text/plain', { messageId: clientMsg.body.id as string })).status).toBe(403);
    for (const name of ['../etc/passwd', 'a/b.txt', '', 'nul\u0000.txt']) {
      expect((await upload(id, co.client, Buffer.from('x'), name)).status, name).toBe(400);
    }
  });
});

describe('the read model stays the workflow', () => {
  it('after replies and notes on several requests, every request answers and equals its workflow', async () => {
    const ids = await Promise.all([f.executing(), f.inClientReview(), f.decomposed()]);
    await Promise.all(ids.flatMap((id) => [say(id, co.client, { body: 'ping' }), say(id, co.manager, { body: 'note', internal: true }), say(id, co.manager, { body: 'pong' })]));
    for (const id of ids) {
      const res = await h.get(`/requests/${id}`, co.manager.token);
      expect(res.status).toBe(200);
      expect((res.body as RequestState).key).toMatch(/^[A-Z][A-Z0-9]+-\d+$/);
      await expectReadModelEqualsWorkflow(h, id);
    }
  });
});
