// Who holds a bearer token, kept for a short while in each API process so that a call costs no
// PostgreSQL round trip for it. Safe because PostgreSQL announces every change that could make a
// kept answer wrong (a credential revoked or expired early, a person deactivated or removed:
// migrations/20261202010000_auth_notices.ts) on `desk_auth`, and the process forgets everything
// it kept. While that announcement cannot be heard (the listening connection is down), nothing
// is kept and every call asks PostgreSQL.
import type { Logger } from 'pino';
import type { Db } from '../db/knex';
import { tokenHolder } from '../stores/credentials';
import { listenTo } from '../stores/live-events';

type Holder = NonNullable<Awaited<ReturnType<typeof tokenHolder>>>;

export const AUTH_CHANNEL = 'desk_auth';

export class TokenCache {
  private readonly kept = new Map<string, { holder: Holder; until: number }>();
  private listener: { end: () => Promise<void> } | undefined;
  private connecting: Promise<void> | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  /** Bumped by every forget: an answer read before a change is announced is not kept after it. */
  private generation = 0;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    /** How long an answer is kept at most (a token that expires on its own is never kept past its expiry). */
    private readonly ttlMs = 60_000,
    private readonly max = 10_000,
  ) {}

  /** The token's holder, as `tokenHolder` answers: from memory while the announcements are heard. */
  async holder(token: string): Promise<Holder | undefined> {
    if (this.closed) return tokenHolder(this.db, token);
    if (!this.listener) {
      void this.listen();
      return tokenHolder(this.db, token);
    }
    const now = Date.now();
    const hit = this.kept.get(token);
    if (hit && hit.until > now) return hit.holder;
    const generation = this.generation;
    const holder = await tokenHolder(this.db, token);
    // Only a token that works is kept: an unknown one is asked again (it may be issued meanwhile).
    if (holder?.actor && this.listener && generation === this.generation) {
      if (this.kept.size >= this.max) this.kept.delete(this.kept.keys().next().value as string);
      this.kept.set(token, { holder, until: Math.min(now + this.ttlMs, holder.expiresAt ?? Infinity) });
    }
    return holder;
  }

  /** Forget everything kept (a change was announced, or this process made one). */
  forget(): void {
    this.generation++;
    this.kept.clear();
  }

  private listen(): Promise<void> {
    this.connecting ??= listenTo(
      this.db,
      AUTH_CHANNEL,
      () => this.forget(),
      (err) => {
        // Unheard announcements would leave revoked tokens working: keep nothing until heard again.
        this.listener = undefined;
        this.forget();
        if (this.retry === undefined) this.logger.warn({ err }, 'the credentials announcements are not heard; tokens are checked on every call until they are');
        this.listenLater();
      },
    )
      .then((l) => {
        if (this.closed || this.listener) return l.end();
        this.forget();
        this.listener = l;
      })
      .catch((err: unknown) => {
        this.logger.warn({ err }, 'cannot listen for credentials announcements; tokens are checked on every call');
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
    this.forget();
    await this.connecting;
    await this.listener?.end();
    this.listener = undefined;
  }
}
