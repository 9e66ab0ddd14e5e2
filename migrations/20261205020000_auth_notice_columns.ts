import type { Knex } from 'knex';

// A person's row changes for many reasons besides access: a specialist's load and last
// assignment with every allocation, a contact's language and digest hour. Only a change of what a
// token's holder is made of (a person's role or activity, a contact's organisation), or a row
// removed, is announced on `desk_auth`: the API processes keep their tokens through the rest.
const COLUMNS: [table: string, columns: string][] = [
  ['staff', 'role, active'],
  ['client_contacts', 'client_id'],
];

export async function up(knex: Knex): Promise<void> {
  for (const [table, columns] of COLUMNS) {
    await knex.raw(`drop trigger if exists ${table}_auth_notice on ${table}`);
    await knex.raw(`create trigger ${table}_auth_notice after update of ${columns} or delete on ${table} for each statement execute function desk_auth_notify()`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const [table] of COLUMNS) {
    await knex.raw(`drop trigger if exists ${table}_auth_notice on ${table}`);
    await knex.raw(`create trigger ${table}_auth_notice after update or delete on ${table} for each statement execute function desk_auth_notify()`);
  }
}
