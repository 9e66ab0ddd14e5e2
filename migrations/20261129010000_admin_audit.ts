import type { Knex } from 'knex';

// Every administrative change — people, clients, subscriptions, contacts, tokens, absences — with
// who made it, when, what changed and why.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('admin_audit', (t) => {
    t.bigIncrements('id');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.uuid('actor_id').notNullable();
    t.text('actor_role').notNullable();
    t.text('action').notNullable();
    t.text('target_id').notNullable();
    t.jsonb('detail').notNullable().defaultTo('{}');
    t.text('reason');
    t.index(['target_id', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('admin_audit');
}
