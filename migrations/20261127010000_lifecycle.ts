import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('requests', (t) => {
    t.timestamp('deadline_at', { useTz: true });
    t.uuid('linked_from');
  });
  await knex.schema.alterTable('tasks', (t) => {
    t.uuid('mentor_id').references('staff.id');
    t.specificType('helper_ids', 'uuid[]').notNullable().defaultTo('{}');
    t.integer('progress').notNullable().defaultTo(0);
    t.timestamp('deadline_at', { useTz: true });
  });

  // Every escalation has an owner, a cause and an acknowledgement.
  await knex.schema.createTable('escalations', (t) => {
    t.text('id').primary();
    t.uuid('request_id').references('requests.id').onDelete('CASCADE');
    t.text('kind').notNullable();
    t.text('owner_role').notNullable();
    t.uuid('owner_id').references('staff.id');
    t.text('task_id');
    t.text('cause').notNullable();
    t.timestamp('raised_at', { useTz: true }).notNullable();
    t.timestamp('acknowledged_at', { useTz: true });
    t.uuid('acknowledged_by').references('staff.id');
    t.timestamp('resolved_at', { useTz: true });
    t.check("owner_role in ('manager','head')", [], 'escalations_owner_role_valid');
    t.index(['owner_role', 'acknowledged_at']);
    t.index(['owner_id', 'acknowledged_at']);
  });

  // The outbox: every notification once, read in the inbox and delivered by webhook.
  await knex.schema.createTable('notifications', (t) => {
    t.text('id').primary();
    t.uuid('request_id').references('requests.id').onDelete('CASCADE');
    t.uuid('client_id').references('clients.id');
    t.text('recipient_role').notNullable();
    t.uuid('recipient_id');
    t.text('kind').notNullable();
    t.text('text').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('read_at', { useTz: true });
    t.timestamp('delivered_at', { useTz: true });
    t.integer('delivery_attempts').notNullable().defaultTo(0);
    t.index(['recipient_id', 'created_at']);
    t.index(['recipient_role', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('notifications');
  await knex.schema.dropTableIfExists('escalations');
  await knex.schema.alterTable('tasks', (t) => {
    t.dropColumn('mentor_id');
    t.dropColumn('helper_ids');
    t.dropColumn('progress');
    t.dropColumn('deadline_at');
  });
  await knex.schema.alterTable('requests', (t) => {
    t.dropColumn('deadline_at');
    t.dropColumn('linked_from');
  });
}
