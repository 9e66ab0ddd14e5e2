import type { Knex } from 'knex';

// The request list filters by stage with a priority, by manager with a stage, and by client with
// a stage, newest first. Without these, a combination that matches few requests walks a whole
// index (200 ms over 1M requests, see BENCHMARKS.md); with them each is a short index range.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('requests', (t) => {
    t.index(['stage', 'priority', 'created_at', 'id'], 'requests_stage_priority_created_idx');
    t.index(['manager_id', 'stage', 'created_at', 'id'], 'requests_manager_stage_created_idx');
    t.index(['client_id', 'stage', 'created_at', 'id'], 'requests_client_stage_created_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('requests', (t) => {
    t.dropIndex([], 'requests_stage_priority_created_idx');
    t.dropIndex([], 'requests_manager_stage_created_idx');
    t.dropIndex([], 'requests_client_stage_created_idx');
  });
}
