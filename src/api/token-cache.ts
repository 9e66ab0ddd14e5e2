// Who holds a bearer token, kept for a short while in each API process so that a call costs no
// PostgreSQL round trip for it. Safe because PostgreSQL announces every change that could make a
// kept answer wrong (a credential revoked or expired early, a person deactivated or removed:
// migrations/20261202010000_auth_notices.ts) on `desk_auth`, and the process forgets everything
// it kept. While that announcement cannot be heard (the listening connection is down), nothing
// is kept and every call asks PostgreSQL.
import type { Logger } from 'pino';
import type { Db } from '../db/knex';
import { tokenHolder } from '../stores/credentials';
import { Announcements } from './announcements';

type Holder = NonNullable<Awaited<ReturnType<typeof tokenHolder>>>;

export const AUTH_CHANNEL = 'desk_auth';

export class TokenCache {
  private readonly kept = new Map<string, { holder: Holder; until: number }>();
  private readonly announcements: Announcements;
  /** Bumped by every forget: an answer read before a change is announced is not kept after it. */
  private generation = 0;

  constructor(
    private readonly db: Db,
    logger: Logger,
    /** How long an answer is kept at most (a token that expires on its own is never kept past its expiry). */
    private readonly ttlMs = 60_000,
    private readonly max = 10_000,
  ) {
    this.announcements = new Announcements(db, AUTH_CHANNEL, { logger, onNotice: () => this.forget(), forget: () => this.forget(), meanwhile: 'tokens are checked on every call' });
  }

  /** The token's holder, as `tokenHolder` answers: from memory while the announcements are heard. */
  async holder(token: string): Promise<Holder | undefined> {
    if (!this.announcements.heard) return tokenHolder(this.db, token);
    const now = Date.now();
    const hit = this.kept.get(token);
    if (hit && hit.until > now) return hit.holder;
    const generation = this.generation;
    const holder = await tokenHolder(this.db, token);
    // Only a token that works is kept: an unknown one is asked again (it may be issued meanwhile).
    if (holder?.actor && this.announcements.heard && generation === this.generation) {
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

  async close(): Promise<void> {
    await this.announcements.close();
  }
}
