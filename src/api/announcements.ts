// Listening to what PostgreSQL announces on a channel, for a cache that must forget what it kept
// when something changes: one connection per API process, opened on first use, opened again once
// a second while it is lost. While nothing is heard, the cache keeps nothing (it asks
// `heard` before it answers from memory).
import type { Logger } from 'pino';
import type { Db } from '../db/knex';
import { listenTo } from '../stores/live-events';

export class Announcements {
  private listener: { end: () => Promise<void> } | undefined;
  private connecting: Promise<void> | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly channel: string,
    private readonly o: {
      logger: Logger;
      /** A notice on the channel. */
      onNotice: (payload: string) => void;
      /** Whatever was kept may be wrong now: listening began, or stopped. */
      forget: () => void;
      /** What the cache does while it cannot hear, for the log. */
      meanwhile: string;
    },
  ) {}

  /** Whether announcements are heard now (listening starts on the first question). */
  get heard(): boolean {
    if (!this.closed && !this.listener) void this.listen();
    return this.listener !== undefined;
  }

  /** Starts listening, if it is not already; resolves once listening or failed. */
  listen(): Promise<void> {
    this.connecting ??= listenTo(this.db, this.channel, this.o.onNotice, (err) => {
      // Unheard announcements would leave what was kept in place after a change: keep nothing until heard again.
      this.listener = undefined;
      this.o.forget();
      if (this.retry === undefined) this.o.logger.warn({ err }, `the ${this.channel} announcements are not heard; ${this.o.meanwhile} until they are`);
      this.listenLater();
    })
      .then((l) => {
        if (this.closed || this.listener) return l.end();
        this.o.forget();
        this.listener = l;
      })
      .catch((err: unknown) => {
        this.o.logger.warn({ err }, `cannot listen for ${this.channel} announcements; ${this.o.meanwhile}`);
        this.listenLater();
      })
      .finally(() => {
        this.connecting = undefined;
      });
    return this.connecting;
  }

  /** One attempt a second while not heard (a lost connection reports both its error and its end). */
  private listenLater(): void {
    if (this.closed || this.retry !== undefined) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.listen();
    }, 1_000).unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    this.retry = undefined;
    this.o.forget();
    await this.connecting;
    await this.listener?.end();
    this.listener = undefined;
  }
}
