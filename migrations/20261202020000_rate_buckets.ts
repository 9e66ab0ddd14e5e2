import type { Knex } from 'knex';

// The rate limit's token buckets, shared by every API process (a limit per token is the same
// limit whichever process answers). Unlogged: after a crash the buckets start full, which is
// what a rate limit may do; nothing else is kept here.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create unlogged table rate_buckets (
      key text primary key,
      tokens double precision not null,
      at timestamptz not null,
      granted double precision not null default 0
    )`);
  await knex.raw('create index rate_buckets_at_idx on rate_buckets (at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table if exists rate_buckets');
}
