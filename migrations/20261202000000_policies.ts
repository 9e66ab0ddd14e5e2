import type { Knex } from 'knex';

// Policies per subscription (#16): named, versioned (every change a new version, with who and
// when); a subscription points at one, and the company default is one too. Rolled-over hours
// remember the month they come from, so a rule "for M months" can let them lapse.
const COMPANY_DEFAULT = {
  triageSlaMinutes: { critical: 60, high: 240, normal: 480, low: 1440 },
  deadlineGraceMinutes: 240,
  reminders: { everyHours: 48, count: 3 },
  autoCloseAfterDays: null,
  riskBuffer: { low: 0.1, medium: 0.2, high: 0.35, largeWorkHours: 16, largeWorkExtra: 0.1 },
  quickAnswerMinutes: 15,
  rollover: { mode: 'none' },
  underuseCheckDay: 20,
  calendar: { timeZone: null, workdays: [1, 2, 3, 4, 5], hours: [{ from: '09:00', to: '18:00' }], holidays: [] },
};

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('policies', (t) => {
    t.uuid('id').primary();
    t.text('name').notNullable().unique();
    t.boolean('is_default').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('create unique index policies_one_default on policies (is_default) where is_default');
  await knex.schema.createTable('policy_versions', (t) => {
    t.uuid('policy_id').notNullable().references('policies.id').onDelete('CASCADE');
    t.integer('version').notNullable();
    t.jsonb('body').notNullable();
    t.text('created_by').notNullable();
    t.text('note');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['policy_id', 'version']);
    t.check('version >= 1', [], 'policy_versions_positive');
  });
  await knex.schema.alterTable('subscriptions', (t) => {
    t.uuid('policy_id').references('policies.id');
  });
  await knex.schema.alterTable('hour_ledger', (t) => {
    t.date('origin_period');
  });
  const rows: { id: string }[] = await knex('policies').insert({ id: knex.raw('gen_random_uuid()'), name: 'Company default', is_default: true }).returning('id');
  await knex('policy_versions').insert({ policy_id: rows[0]!.id, version: 1, body: JSON.stringify(COMPANY_DEFAULT), created_by: 'system', note: 'the rules as they stood before policies' });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('hour_ledger', (t) => t.dropColumn('origin_period'));
  await knex.schema.alterTable('subscriptions', (t) => t.dropColumn('policy_id'));
  await knex.schema.dropTable('policy_versions');
  await knex.schema.dropTable('policies');
}
