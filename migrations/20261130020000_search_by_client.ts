import type { Knex } from 'knex';

// Search narrowed by client inside the text index: GIN on (client_id, search), through btree_gin
// (a trusted extension shipped with PostgreSQL), so a client's or a manager's search for a
// frequent word intersects the client's entries with the word's in the index, without building
// the word's whole bitmap first.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('create extension if not exists btree_gin');
  await knex.raw('create index requests_client_search_idx on requests using gin (client_id, search)');
  await knex.raw('create index messages_client_search_idx on messages using gin (client_id, search)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists messages_client_search_idx');
  await knex.raw('drop index if exists requests_client_search_idx');
  await knex.raw('drop extension if exists btree_gin');
}
