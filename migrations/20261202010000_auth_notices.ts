import type { Knex } from 'knex';

// Each API process keeps the tokens it has checked for a short while; a change to a credential,
// a person of staff or a client contact (revoked, expired, deactivated, removed) is announced on
// `desk_auth`, and every process forgets what it kept. Statement-level: one notice per statement.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function desk_auth_notify() returns trigger language plpgsql as $$
    begin
      perform pg_notify('desk_auth', tg_table_name);
      return null;
    end $$`);
  for (const table of ['api_credentials', 'staff', 'client_contacts']) {
    await knex.raw(`create trigger ${table}_auth_notice after update or delete on ${table} for each statement execute function desk_auth_notify()`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['api_credentials', 'staff', 'client_contacts']) {
    await knex.raw(`drop trigger if exists ${table}_auth_notice on ${table}`);
  }
  await knex.raw('drop function if exists desk_auth_notify()');
}
