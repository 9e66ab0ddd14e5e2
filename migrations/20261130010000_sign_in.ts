import type { Knex } from 'knex';

// Sign-in for people (the web app): invitations, passwords (argon2id), server-side sessions with
// their CSRF token, and lock-out after repeated failures. Bearer tokens stay for integrations.
export async function up(knex: Knex): Promise<void> {
  // One sign-in per person of staff or client contact, by e-mail.
  await knex.schema.createTable('logins', (t) => {
    t.text('email').primary();
    t.uuid('staff_id').unique().references('staff.id').onDelete('CASCADE');
    t.uuid('contact_id').unique().references('client_contacts.id').onDelete('CASCADE');
    t.text('password_hash').notNullable();
    t.integer('failed_count').notNullable().defaultTo(0);
    t.timestamp('locked_until', { useTz: true });
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check('(staff_id is null) <> (contact_id is null)', [], 'logins_one_person');
  });

  // An invitation link, shown once: only its hash is kept; used once, before it expires.
  await knex.schema.createTable('invitations', (t) => {
    t.uuid('id').primary();
    t.text('token_hash').notNullable().unique();
    t.uuid('staff_id').references('staff.id').onDelete('CASCADE');
    t.uuid('contact_id').references('client_contacts.id').onDelete('CASCADE');
    t.text('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true });
    t.check('(staff_id is null) <> (contact_id is null)', [], 'invitations_one_person');
  });

  await knex.schema.createTable('sessions', (t) => {
    t.text('id_hash').primary();
    t.uuid('staff_id').references('staff.id').onDelete('CASCADE');
    t.uuid('contact_id').references('client_contacts.id').onDelete('CASCADE');
    t.text('csrf_token').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true });
    t.text('user_agent');
    t.check('(staff_id is null) <> (contact_id is null)', [], 'sessions_one_person');
    t.index(['staff_id']);
    t.index(['contact_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sessions');
  await knex.schema.dropTable('invitations');
  await knex.schema.dropTable('logins');
}
