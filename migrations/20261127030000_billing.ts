import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('hour_ledger', (t) => {
    // The billing breakdown behind a write-off: per task budget, actual, billable, overrun and cause.
    t.jsonb('detail');
  });
  // A closed month: its statement as it was at rollover, never recomputed.
  await knex.schema.createTable('statements', (t) => {
    t.uuid('client_id').notNullable().references('clients.id').onDelete('CASCADE');
    t.date('period').notNullable();
    t.jsonb('statement').notNullable();
    t.timestamp('closed_at', { useTz: true }).notNullable();
    t.primary(['client_id', 'period']);
  });
  await knex.schema.alterTable('time_entries', (t) => {
    t.integer('revision').notNullable().defaultTo(1);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('time_entries', (t) => t.dropColumn('revision'));
  await knex.schema.dropTableIfExists('statements');
  await knex.schema.alterTable('hour_ledger', (t) => t.dropColumn('detail'));
}
