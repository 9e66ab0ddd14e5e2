import type { Knex } from 'knex';

// A workload review is keyed by the run that made it: a retried activity finds the review it
// already wrote instead of writing a second one with new proposals and a second notification.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('workload_reviews', (t) => {
    t.text('key').unique();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('workload_reviews', (t) => {
    t.dropColumn('key');
  });
}
