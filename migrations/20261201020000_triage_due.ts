import type { Knex } from 'knex';

// The triage deadline (R3) of a request waiting for triage, for the managers' triage queue and its
// SLA clock; null once triaged. Filled from the state the read model already holds.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('requests', (t) => {
    t.timestamp('triage_due_at', { useTz: true });
  });
  await knex.raw(
    `update requests set triage_due_at = (state->>'triageDueAt')::timestamptz
     where stage = 'Triage' and (state->>'triageDueAt') ~ '^\\d{4}-\\d{2}-\\d{2}T'`,
  );
  await knex.raw("create index requests_triage_due_idx on requests (triage_due_at) where stage = 'Triage'");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists requests_triage_due_idx');
  await knex.schema.alterTable('requests', (t) => {
    t.dropColumn('triage_due_at');
  });
}
