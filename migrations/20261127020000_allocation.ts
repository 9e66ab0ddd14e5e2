import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('staff', (t) => {
    // Ties in assignment go to whoever waited longest for work.
    t.timestamp('last_assigned_at', { useTz: true });
  });
  // A task may wait for someone with the skill and room (R8, R9).
  await knex.raw('alter table tasks alter column assignee_id drop not null');

  // Absences remove a person's capacity for their dates.
  await knex.schema.createTable('staff_absences', (t) => {
    t.uuid('id').primary();
    t.uuid('staff_id').notNullable().references('staff.id').onDelete('CASCADE');
    t.date('starts_on').notNullable();
    t.date('ends_on').notNullable();
    t.text('kind').notNullable();
    t.text('note').notNullable().defaultTo('');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check("kind in ('vacation','sick','other')", [], 'staff_absences_kind_valid');
    t.check('ends_on >= starts_on', [], 'staff_absences_period_valid');
    t.index(['staff_id', 'starts_on', 'ends_on']);
  });

  // The allocation ledger: one row per task, the single source of truth for who holds how many
  // hours. Written in one transaction that locks the candidates, so nobody is overbooked.
  await knex.schema.createTable('task_assignments', (t) => {
    t.uuid('request_id').notNullable();
    t.text('task_id').notNullable();
    t.text('skill').notNullable();
    t.text('priority').notNullable();
    /** 0 = critical … 3 = low: the queue is ordered by it, then by age. */
    t.integer('priority_rank').notNullable();
    t.decimal('hours', 8, 2).notNullable();
    t.text('status').notNullable();
    t.uuid('assignee_id').references('staff.id');
    t.specificType('declined_by', 'uuid[]').notNullable().defaultTo('{}');
    t.boolean('over_capacity').notNullable().defaultTo(false);
    t.timestamp('queued_at', { useTz: true }).notNullable();
    t.timestamp('assigned_at', { useTz: true });
    /** Set once the request's workflow has been told of the assignment made by the dispatcher. */
    t.timestamp('notified_at', { useTz: true });
    t.primary(['request_id', 'task_id']);
    t.check("status in ('queued','missing_skill','assigned','released')", [], 'task_assignments_status_valid');
    t.index(['status', 'priority_rank', 'queued_at']);
    t.index(['assignee_id', 'status']);
  });

  await knex.schema.createTable('workload_reviews', (t) => {
    t.bigIncrements('id');
    t.timestamp('at', { useTz: true }).notNullable();
    t.jsonb('report').notNullable();
  });

  await knex.schema.createTable('reassignment_proposals', (t) => {
    t.uuid('id').primary();
    t.uuid('request_id').notNullable();
    t.text('task_id').notNullable();
    t.uuid('from_id').notNullable().references('staff.id');
    t.uuid('to_id').notNullable().references('staff.id');
    t.text('reason').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('applied_at', { useTz: true });
    t.uuid('applied_by').references('staff.id');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('reassignment_proposals');
  await knex.schema.dropTableIfExists('workload_reviews');
  await knex.schema.dropTableIfExists('task_assignments');
  await knex.schema.dropTableIfExists('staff_absences');
  await knex('tasks').whereNull('assignee_id').delete();
  await knex.raw('alter table tasks alter column assignee_id set not null');
  await knex.schema.alterTable('staff', (t) => t.dropColumn('last_assigned_at'));
}
