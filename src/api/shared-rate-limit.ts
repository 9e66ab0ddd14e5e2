// The rate limit, shared by every API process through PostgreSQL: one token bucket per caller in
// `rate_buckets`. A process takes a few tokens at a time (a lease) and spends them locally, so
// most calls cost no round trip; the tokens leased by all processes together never exceed what
// the bucket holds, so two processes allow what one would. A lease lapses after a few seconds,
// so tokens a process no longer needs are not kept from the others for long.
import type { Logger } from 'pino';
import type { Db } from '../db/knex';
import { RateLimiter } from './middleware';
import { leaseTokens, sweepBuckets } from '../stores/rate-buckets';

/** What a limiter answers: seconds to wait before the next call is allowed, or 0 to go ahead. */
export interface Limiter {
  take(key: string): Promise<number> | number;
}

const LEASE_MS = 5_000;

export class SharedRateLimiter implements Limiter {
  private readonly leases = new Map<string, { tokens: number; until: number }>();
  private readonly asking = new Map<string, Promise<void>>();
  /** When PostgreSQL cannot answer, each process limits on its own rather than letting everything through. */
  private readonly insurance: RateLimiter;
  private calls = 0;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    private readonly perMinute: number,
    /** Tokens leased at once: a twentieth of the minute's allowance (1 for small limits, so they stay exact). */
    private readonly lease = Math.max(1, Math.floor(perMinute / 20)),
  ) {
    this.insurance = new RateLimiter(perMinute);
  }

  async take(key: string): Promise<number> {
    if (this.perMinute <= 0) return 0;
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = Date.now();
      const held = this.leases.get(key);
      if (held && held.tokens >= 1 && held.until > now) {
        held.tokens -= 1;
        return 0;
      }
      // One question to PostgreSQL per key at a time; the others wait for its lease.
      const pending = this.asking.get(key);
      if (pending) {
        await pending;
        continue;
      }
      let wait = 0;
      const ask = this.ask(key).then((w) => {
        wait = w;
      });
      this.asking.set(key, ask);
      try {
        await ask;
      } finally {
        this.asking.delete(key);
      }
      // Granted: this call goes ahead (the rest of the lease is kept for the next ones); else wait.
      return wait;
    }
    // Concurrent callers used up the leases as they came: ask once more, for this call alone.
    return this.ask(key, 1);
  }

  /** Leases tokens from the shared bucket: 0 when some were granted (kept here), else seconds to wait. */
  private async ask(key: string, want = this.lease): Promise<number> {
    const perSecond = this.perMinute / 60;
    try {
      const row = await leaseTokens(this.db, { key, cap: this.perMinute, want, perSecond });
      if (++this.calls % 1_000 === 0) void this.sweep();
      if (row.granted >= 1) {
        const held = this.leases.get(key);
        const tokens = (held && held.until > Date.now() ? held.tokens : 0) + row.granted - 1;
        if (this.leases.size > 100_000) this.leases.delete(this.leases.keys().next().value as string);
        this.leases.set(key, { tokens, until: Date.now() + LEASE_MS });
        return 0;
      }
      return Math.max(1, Math.ceil((1 - row.tokens) / perSecond));
    } catch (err) {
      this.logger.warn({ err }, 'the shared rate limit cannot be read; this process limits on its own meanwhile');
      return this.insurance.take(key);
    }
  }

  private async sweep(): Promise<void> {
    await sweepBuckets(this.db).catch(() => undefined);
  }
}
