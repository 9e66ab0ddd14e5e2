import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('staff', (t) => {
    t.uuid('id').primary();
    t.text('name').notNullable();
    t.text('email').notNullable().unique();
    t.text('role').notNullable();
    t.text('seniority');
    t.specificType('skills', 'text[]').notNullable().defaultTo('{}');
    t.decimal('weekly_capacity_hours', 6, 2).notNullable().defaultTo(40);
    t.uuid('mentor_id').references('staff.id');
    t.text('timezone').notNullable().defaultTo('UTC');
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check("role in ('manager','specialist','head','admin')", [], 'staff_role_valid');
    t.check("seniority is null or seniority in ('junior','middle','senior')", [], 'staff_seniority_valid');
    t.check("role <> 'specialist' or seniority is not null", [], 'staff_specialist_has_seniority');
    t.check('weekly_capacity_hours >= 0', [], 'staff_capacity_non_negative');
  });
  await knex.raw('create index staff_skills_idx on staff using gin (skills)');

  await knex.schema.createTable('clients', (t) => {
    t.uuid('id').primary();
    t.text('name').notNullable().unique();
    t.uuid('account_manager_id').references('staff.id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('subscriptions', (t) => {
    t.uuid('id').primary();
    t.uuid('client_id').notNullable().references('clients.id').onDelete('CASCADE');
    t.decimal('monthly_hours', 8, 2).notNullable();
    t.text('timezone').notNullable();
    t.date('starts_on').notNullable();
    t.date('ends_on');
    t.boolean('rollover_unused').notNullable().defaultTo(false);
    t.integer('auto_close_after_days');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check('monthly_hours >= 0', [], 'subscriptions_hours_non_negative');
    t.check('ends_on is null or ends_on >= starts_on', [], 'subscriptions_period_valid');
    t.unique(['client_id', 'starts_on']);
  });

  await knex.schema.createTable('client_contacts', (t) => {
    t.uuid('id').primary();
    t.uuid('client_id').notNullable().references('clients.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('email').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('api_credentials', (t) => {
    t.uuid('id').primary();
    t.text('token_hash').notNullable().unique();
    t.uuid('staff_id').references('staff.id').onDelete('CASCADE');
    t.uuid('contact_id').references('client_contacts.id').onDelete('CASCADE');
    t.text('label').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
    t.check('(staff_id is null) <> (contact_id is null)', [], 'api_credentials_one_person');
  });

  await knex.schema.createTable('requests', (t) => {
    t.uuid('id').primary();
    t.uuid('client_id').notNullable().references('clients.id');
    t.text('title').notNullable();
    t.text('priority').notNullable();
    t.text('stage').notNullable();
    t.text('path').notNullable();
    t.uuid('manager_id').notNullable().references('staff.id');
    t.integer('version').notNullable();
    t.decimal('estimate_total_hours', 8, 2);
    t.jsonb('state').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.timestamp('closed_at', { useTz: true });
    t.index(['client_id', 'created_at', 'id']);
    t.index(['manager_id', 'created_at', 'id']);
    t.index(['stage', 'created_at', 'id']);
    t.index(['created_at', 'id']);
  });

  // Idempotency-Key of POST /requests: one key of one person names one request, forever.
  await knex.schema.createTable('request_idempotency_keys', (t) => {
    t.text('person_id').notNullable();
    t.text('key').notNullable();
    t.uuid('request_id').notNullable().unique();
    t.text('body_hash').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['person_id', 'key']);
  });

  await knex.schema.createTable('tasks', (t) => {
    t.uuid('request_id').notNullable().references('requests.id').onDelete('CASCADE');
    t.text('task_id').notNullable();
    t.text('title').notNullable();
    t.text('skill').notNullable();
    t.uuid('assignee_id').notNullable().references('staff.id');
    t.text('status').notNullable();
    t.text('priority').notNullable();
    t.decimal('estimate_hours', 8, 2);
    t.decimal('buffer_hours', 8, 2);
    t.decimal('approved_hours', 8, 2);
    t.integer('rework_count').notNullable().defaultTo(0);
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.primary(['request_id', 'task_id']);
    t.index(['assignee_id', 'status']);
  });

  await knex.schema.createTable('time_entries', (t) => {
    t.text('id').primary();
    t.uuid('request_id').notNullable().references('requests.id').onDelete('CASCADE');
    t.text('task_id');
    t.text('person_id').notNullable();
    t.text('role').notNullable();
    t.integer('minutes').notNullable();
    t.text('category').notNullable();
    t.boolean('billable').notNullable();
    t.text('billable_reason').notNullable();
    t.text('note').notNullable();
    t.timestamp('logged_at', { useTz: true }).notNullable();
    t.check('minutes > 0', [], 'time_entries_minutes_positive');
    t.index(['request_id']);
    t.index(['person_id', 'logged_at']);
  });

  // The hour ledger: every movement of a client's subscription hours, once per key.
  await knex.schema.createTable('hour_ledger', (t) => {
    t.bigIncrements('id');
    t.text('key').notNullable().unique();
    t.uuid('client_id').notNullable().references('clients.id');
    t.uuid('request_id').references('requests.id');
    t.date('period').notNullable();
    t.text('kind').notNullable();
    t.decimal('hours', 8, 2).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check("kind in ('reservation','release','writeoff','adjustment')", [], 'hour_ledger_kind_valid');
    t.index(['client_id', 'period']);
  });

  await knex.schema.createTable('audit_events', (t) => {
    t.uuid('request_id').notNullable().references('requests.id').onDelete('CASCADE');
    t.integer('seq').notNullable();
    t.timestamp('at', { useTz: true }).notNullable();
    t.text('actor_id').notNullable();
    t.text('actor_role').notNullable();
    t.text('type').notNullable();
    t.jsonb('detail').notNullable();
    t.primary(['request_id', 'seq']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'audit_events',
    'hour_ledger',
    'time_entries',
    'tasks',
    'request_idempotency_keys',
    'requests',
    'api_credentials',
    'client_contacts',
    'subscriptions',
    'clients',
    'staff',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
