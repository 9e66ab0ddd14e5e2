import type { Knex } from 'knex';

// Webhook deliveries leave the workflow: the worker drains the notifications PostgreSQL holds. A
// delivery is due at `delivery_due_at` (unset: at once); claiming one moves it past the claim's
// lease, a failure to its backoff, so two workers never deliver the same one at the same time.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('notifications', (t) => {
    t.timestamp('delivery_due_at', { useTz: true });
  });
  await knex.raw('create index notifications_undelivered_idx on notifications (created_at) where delivered_at is null');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists notifications_undelivered_idx');
  await knex.schema.alterTable('notifications', (t) => t.dropColumn('delivery_due_at'));
}
