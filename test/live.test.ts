// Live pages (GET /events): a change in the read model reaches the pages of the people who may see
// it, at once, and nobody else's — not another organisation's client, not a client for an
// internal note. An event names a request, never its content.
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREAMS_PER_PERSON } from '../src/api/live';
import { openCompany, type Flow } from './support/flow';
import type { Company, Harness, Person } from './support/harness';

let h: Harness;
let co: Company;
let f: Flow;
let server: Server;
let base: string;

beforeAll(async () => {
  ({ h, co, f } = await openCompany({ rateLimitPerMinute: 0 }));
  server = h.app.listen(0);
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}, 60_000);
afterAll(async () => {
  await h.close();
  server?.close();
});

interface Stream {
  events: { event: string; data: Record<string, unknown> }[];
  /** Resolves with the first event (so far or to come) that `ok` accepts. */
  next: (ok: (e: { event: string; data: Record<string, unknown> }) => boolean, what: string) => Promise<{ event: string; data: Record<string, unknown> }>;
  close: () => void;
}

/** A person's open stream, read as a browser's EventSource would. */
async function open(person: Person): Promise<Stream> {
  const abort = new AbortController();
  const res = await fetch(`${base}/events`, { headers: { Authorization: `Bearer ${person.token}`, Accept: 'text/event-stream' }, signal: abort.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const events: Stream['events'] = [];
  const waiters: (() => void)[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event) events.push({ event, data: JSON.parse(data ?? '{}') as Record<string, unknown> });
          for (const w of waiters.splice(0)) w();
        }
      }
    } catch {
      // aborted
    }
  })();
  const next: Stream['next'] = async (ok, what) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = events.find(ok);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${what} within 10 s; got ${JSON.stringify(events)}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 200);
      });
    }
  };
  await next((e) => e.event === 'ready', 'ready');
  return { events, next, close: () => abort.abort() };
}

describe('live events', () => {
  it('a change reaches the client of the request and its manager, never another organisation', async () => {
    const [mine, other, manager] = await Promise.all([open(co.client), open(co.otherClient), open(co.manager)]);
    try {
      const id = await f.file('Live: the export hangs');
      await mine.next((e) => e.event === 'request' && e.data.id === id, 'event for the filed request');
      await manager.next((e) => e.event === 'request' && e.data.id === id, "event on the manager's stream");
      await f.act(`/requests/${id}/triage`, co.manager, { decision: 'delegate' });
      // The other organisation's own request: once its event is there, anything about ours would be too.
      const theirs = await f.file('Live: theirs', 'normal', co.otherClient);
      await other.next((e) => e.event === 'request' && e.data.id === theirs, 'event for their own request');
      expect(other.events.filter((e) => e.event === 'request').map((e) => e.data.id)).toEqual([theirs]);
      expect(JSON.stringify(other.events)).not.toContain(id);
      // An event carries the id, not the request.
      for (const e of mine.events) expect(Object.keys(e.data).every((k) => k === 'id')).toBe(true);
    } finally {
      for (const s of [mine, other, manager]) s.close();
    }
  });

  it('an internal note reaches staff, not the client', async () => {
    const id = await f.file('Live: a note');
    const [client, manager] = await Promise.all([open(co.client), open(co.manager)]);
    try {
      const note = await h.post(`/requests/${id}/messages`, co.manager.token, { body: 'internal: check the cron', internal: true });
      expect(note.status, JSON.stringify(note.body)).toBe(201);
      await manager.next((e) => e.event === 'request' && e.data.id === id, 'the note on the manager stream');
      // Both streams are served by the same process from the same notice; the client's gets none.
      await new Promise((r) => setTimeout(r, 500));
      expect(client.events.filter((e) => e.event === 'request')).toEqual([]);
      // A public reply afterwards reaches the client; the note before it did not.
      const reply = await h.post(`/requests/${id}/messages`, co.manager.token, { body: 'We are on it.' });
      expect(reply.status, JSON.stringify(reply.body)).toBe(201);
      await client.next((e) => e.event === 'request' && e.data.id === id, 'the public reply on the client stream');
      const seen = await h.get(`/requests/${id}/messages`, co.client.token);
      expect(JSON.stringify(seen.body)).not.toContain('check the cron');
    } finally {
      client.close();
      manager.close();
    }
  });

  it('an inbox notice reaches its recipient; escalations reach staff only', async () => {
    const [client, manager] = await Promise.all([open(co.client), open(co.manager)]);
    try {
      await f.file('Live: inbox');
      // Filing tells the manager (a notification addressed to them).
      await manager.next((e) => e.event === 'inbox', 'inbox event for the manager');
      expect(client.events.some((e) => e.event === 'escalation')).toBe(false);
    } finally {
      client.close();
      manager.close();
    }
  });

  it('needs a signed-in person, and bounds the streams one person holds', async () => {
    const anonymous = await fetch(`${base}/events`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toMatch(/problem\+json/);
    const streams = await Promise.all(Array.from({ length: STREAMS_PER_PERSON }, () => open(co.backendSenior)));
    try {
      const refused = await fetch(`${base}/events`, { headers: { Authorization: `Bearer ${co.backendSenior.token}` } });
      expect(refused.status).toBe(429);
      expect(refused.headers.get('content-type')).toMatch(/problem\+json/);
      expect(refused.headers.get('retry-after')).toBe('30');
    } finally {
      for (const s of streams) s.close();
    }
    // Closed streams are counted out again.
    await new Promise((r) => setTimeout(r, 200));
    const again = await open(co.backendSenior);
    again.close();
  });
});
