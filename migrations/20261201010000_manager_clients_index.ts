import type { Knex } from 'knex';

// The clients of which a manager manages some request (their search covers those requests too):
// read from this index alone, without visiting the manager's requests.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('create index requests_manager_client_idx on requests (manager_id, client_id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists requests_manager_client_idx');
}
