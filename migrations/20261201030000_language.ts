import type { Knex } from 'knex';

// Each person's language for the desk (the web app, the client timeline); null: the browser's.
export async function up(knex: Knex): Promise<void> {
  for (const table of ['staff', 'client_contacts']) {
    await knex.schema.alterTable(table, (t) => {
      t.text('language');
      t.check("language in ('en', 'ru')", [], `${table}_language_known`);
    });
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['staff', 'client_contacts']) {
    await knex.schema.alterTable(table, (t) => {
      t.dropChecks(`${table}_language_known`);
      t.dropColumn('language');
    });
  }
}
