import type { Knex } from 'knex';

// A request whose data PostgreSQL refused (a value that slipped past validation) is flagged for a
// person instead of retried for ever: the list shows it, the manager and the head get an escalation.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('requests', (t) => {
    t.text('attention_reason');
    t.timestamp('attention_since', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('requests', (t) => {
    t.dropColumn('attention_reason');
    t.dropColumn('attention_since');
  });
}
