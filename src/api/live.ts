// Live pages: `GET /events` (server-sent events) tells a signed-in person's pages that something
// they can see changed, so they read it again; the read model's triggers announce each change on
// PostgreSQL's `desk_events` channel (migrations/20261201000000_live_events.ts). One listening
// connection per API process, opened while someone is subscribed. An event carries a kind and, for
// a request, its id: never content, and only to people who may see that request (the list's rule).
import type { Request, Response, Router } from 'express';
import express from 'express';
import type { Db } from '../db/knex';
import type { Actor } from '../domain';
import type { Logger } from '../observability';
import { listenToDeskEvents, visibleRequestIds } from '../stores/live-events';
import { actorOf } from './auth';
import { HttpError } from './errors';

/** What a page is told. `refresh`: read everything again (many rows changed, or notices may have been missed). */
export type LiveEvent = { kind: 'request'; id: string } | { kind: 'inbox' } | { kind: 'escalation' } | { kind: 'refresh' };

/** A notice as the triggers send it. */
type Notice =
  | { k: 'request'; id: string; c: string | null; m: string | null; s?: boolean }
  | { k: 'inbox'; r: string | null; role: string; c: string | null }
  | { k: 'escalation' }
  | { k: 'bulk' };

/** Notices for one person are gathered this long, then checked against what they may see in one query. */
const FLUSH_MS = 150;
/** A comment line this often keeps proxies from closing a quiet stream. */
const HEARTBEAT_MS = 25_000;
/** Streams one person may hold open at once (tabs, devices); one more is 429. */
export const STREAMS_PER_PERSON = 8;

interface Subscriber {
  actor: Actor;
  send: (event: LiveEvent) => void;
  requests: Set<string>;
  flags: Set<'inbox' | 'escalation' | 'refresh'>;
  timer: NodeJS.Timeout | undefined;
}

export class LiveHub {
  private readonly subscribers = new Set<Subscriber>();
  private readonly streams = new Set<() => void>();
  private listener: { end: () => Promise<void> } | undefined;
  private connecting: Promise<void> | undefined;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly logger?: Logger,
  ) {}

  /** How many streams this person has open. */
  streamsOf(actor: Actor): number {
    let n = 0;
    for (const s of this.subscribers) if (s.actor.id === actor.id) n++;
    return n;
  }

  /** Starts telling `send` what `actor` may see change; resolves once listening. Returns the unsubscribe. */
  async subscribe(actor: Actor, send: (event: LiveEvent) => void): Promise<() => void> {
    const sub: Subscriber = { actor, send, requests: new Set(), flags: new Set(), timer: undefined };
    this.subscribers.add(sub);
    try {
      await this.listen();
    } catch (err) {
      this.subscribers.delete(sub);
      throw err;
    }
    return () => {
      clearTimeout(sub.timer);
      this.subscribers.delete(sub);
      if (this.subscribers.size === 0) void this.stop();
    };
  }

  /** Ends every open stream and stops listening: the API is stopping (browsers reconnect elsewhere). */
  async close(): Promise<void> {
    for (const end of [...this.streams]) end();
    await this.stop();
  }

  /** Keeps a stream's closer, so that `close` can end it. */
  track(end: () => void): () => void {
    this.streams.add(end);
    return () => this.streams.delete(end);
  }

  /** Closes the listening connection (the last subscriber left, or the API stops). */
  async stop(): Promise<void> {
    clearTimeout(this.retry);
    this.retry = undefined;
    const listener = this.listener;
    this.listener = undefined;
    this.connecting = undefined;
    if (listener) await listener.end().catch(() => undefined);
  }

  private listen(): Promise<void> {
    if (this.listener) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<void> {
    const mine: { listener?: { end: () => Promise<void> } } = {};
    const lost = (err?: Error) => {
      if (!mine.listener || this.listener !== mine.listener) return;
      this.listener = undefined;
      this.logger?.warn({ err }, 'live events: the listening connection was lost');
      if (this.subscribers.size === 0) return;
      // Reconnect; what changed meanwhile is unknown, so every page reads again.
      this.retry = setTimeout(() => {
        this.listen()
          .then(() => this.dispatch({ k: 'bulk' }))
          .catch(() => lost());
      }, 1000);
      this.retry.unref();
    };
    mine.listener = await listenToDeskEvents(
      this.db,
      (payload) => {
        try {
          this.dispatch(JSON.parse(payload) as Notice);
        } catch {
          // not ours: ignore
        }
      },
      lost,
    );
    this.listener = mine.listener;
  }

  private dispatch(n: Notice): void {
    for (const sub of this.subscribers) {
      const { actor } = sub;
      if (n.k === 'bulk') sub.flags.add('refresh');
      else if (n.k === 'escalation') {
        if (actor.role === 'manager' || actor.role === 'head') sub.flags.add('escalation');
      } else if (n.k === 'inbox') {
        if (n.r === actor.id || (n.r === null && n.role === actor.role && (actor.role !== 'client' || n.c === actor.clientId))) sub.flags.add('inbox');
      } else if (actor.role === 'client') {
        if (!n.s && n.c !== null && n.c === actor.clientId) sub.requests.add(n.id);
      } else sub.requests.add(n.id);
      if (sub.timer === undefined && (sub.flags.size > 0 || sub.requests.size > 0)) {
        sub.timer = setTimeout(() => void this.flush(sub), FLUSH_MS);
      }
    }
  }

  private async flush(sub: Subscriber): Promise<void> {
    const ids = [...sub.requests];
    const flags = [...sub.flags];
    sub.requests.clear();
    sub.flags.clear();
    let visible = ids;
    try {
      // A manager's or a specialist's requests are checked by the list's own rule, all in one query.
      if (ids.length > 0 && (sub.actor.role === 'manager' || sub.actor.role === 'specialist')) {
        visible = await visibleRequestIds(this.db, sub.actor, ids);
      }
    } catch (err) {
      this.logger?.warn({ err }, 'live events: visibility check failed');
      visible = [];
      flags.push('refresh');
    }
    sub.timer = undefined;
    if (!this.subscribers.has(sub)) return;
    if (flags.includes('refresh')) sub.send({ kind: 'refresh' });
    else {
      for (const kind of flags) sub.send({ kind });
      for (const id of visible) sub.send({ kind: 'request', id });
    }
    if (sub.requests.size > 0 || sub.flags.size > 0) sub.timer = setTimeout(() => void this.flush(sub), FLUSH_MS);
  }
}

/** `GET /events`: the signed-in person's stream (text/event-stream). */
export function liveRouter(hub: LiveHub): Router {
  const router = express.Router();
  router.get('/events', async (req: Request, res: Response) => {
    const actor = actorOf(req);
    if (hub.streamsOf(actor) >= STREAMS_PER_PERSON) throw new HttpError(429, 'Too Many Requests', `at most ${STREAMS_PER_PERSON} live streams per person; close one`, {}, { 'Retry-After': '30' });
    let open = true;
    const write = (chunk: string) => {
      if (open) res.write(chunk);
    };
    const unsubscribe = await hub.subscribe(actor, (event) => {
      const { kind, ...data } = event;
      write(`event: ${kind}\ndata: ${JSON.stringify(data)}\n\n`);
    });
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    // The browser reconnects after 3 s if the stream breaks; `ready` says the stream is listening.
    write('retry: 3000\nevent: ready\ndata: {}\n\n');
    const heartbeat = setInterval(() => write(': keep-alive\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    const end = () => {
      if (!open) return;
      open = false;
      clearInterval(heartbeat);
      untrack();
      unsubscribe();
      res.end();
    };
    const untrack = hub.track(end);
    req.on('close', end);
    res.on('close', end);
  });
  return router;
}
