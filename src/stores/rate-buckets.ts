// The rate limit's token buckets (migrations/20261202020000_rate_buckets.ts), one per caller,
// shared by every API process.
import type { Db } from '../db/knex';

/**
 * Takes up to `want` tokens from the caller's bucket in one statement: the bucket is refilled
 * for the time since it was last touched (at `perSecond`, up to `cap`), then what it holds in
 * whole tokens is granted. A new caller starts with a full bucket.
 */
export async function leaseTokens(db: Db, b: { key: string; cap: number; want: number; perSecond: number }): Promise<{ granted: number; tokens: number }> {
  const asked = Math.min(b.want, b.cap);
  const refill = 'least(?::float8, b.tokens + extract(epoch from clock_timestamp() - b.at) * ?::float8)';
  const grant = `greatest(0, least(?::float8, floor(${refill})))`;
  const res = await db.raw<{ rows: { granted: number; tokens: number }[] }>(
    `insert into rate_buckets as b (key, tokens, at, granted)
     values (?::text, ?::float8, clock_timestamp(), ?::float8)
     on conflict (key) do update set
       granted = ${grant},
       tokens = ${refill} - ${grant},
       at = clock_timestamp()
     returning granted, tokens`,
    [b.key, b.cap - asked, asked, asked, b.cap, b.perSecond, b.cap, b.perSecond, asked, b.cap, b.perSecond],
  );
  return res.rows[0]!;
}

/** Buckets untouched for an hour are full again: their rows go. */
export async function sweepBuckets(db: Db): Promise<void> {
  await db('rate_buckets').where('at', '<', db.raw("now() - interval '1 hour'")).delete();
}
