import type { Knex } from 'knex';

// The mail channel (#17): mails read from the support mailbox, each once by its Message-ID; the
// mails sent for notifications, each once per notification and recipient; each person's choice
// of instant, digest or none per kind of notification, and the hour of their digest.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('mail_inbound', (t) => {
    t.uuid('id').primary();
    // The mail's own Message-ID (or, lacking one, a digest of its bytes): stored once.
    t.text('message_id').notNullable().unique();
    t.text('from_address');
    t.text('subject').notNullable().defaultTo('');
    t.integer('size').notNullable().defaultTo(0);
    t.text('status').notNullable().defaultTo('stored');
    // Failed tries at filing it: past a few, it goes to the quarantine instead of blocking the rest.
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('reason');
    t.uuid('request_id').references('requests.id').onDelete('SET NULL');
    t.uuid('contact_id').references('client_contacts.id').onDelete('SET NULL');
    // The whole mail as received, kept until it is processed (a quarantined one for review).
    t.binary('raw');
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('processed_at', { useTz: true });
    t.timestamp('reviewed_at', { useTz: true });
    t.uuid('reviewed_by');
    t.check("status in ('stored', 'filed', 'replied', 'quarantined', 'dismissed')", [], 'mail_inbound_status_known');
    t.index(['status', 'received_at']);
  });

  await knex.schema.createTable('mail_outbound', (t) => {
    t.bigIncrements('id');
    // One mail per notification and address: a retry finds the row it made.
    t.text('notification_id').notNullable().references('notifications.id').onDelete('CASCADE');
    t.uuid('person_id').notNullable();
    t.text('address').notNullable();
    t.text('mode').notNullable();
    t.text('status').notNullable().defaultTo('pending');
    t.text('message_id');
    t.uuid('request_id');
    t.integer('attempts').notNullable().defaultTo(0);
    // A sender holds a mail while it talks to the mail server; another takes it over only after.
    t.timestamp('lease_until', { useTz: true });
    t.text('digest_key');
    t.text('smtp_response');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('sent_at', { useTz: true });
    t.unique(['notification_id', 'address']);
    t.check("mode in ('instant', 'digest')", [], 'mail_outbound_mode_known');
    t.check("status in ('pending', 'sending', 'sent', 'failed')", [], 'mail_outbound_status_known');
    t.index(['status', 'mode', 'created_at']);
    t.index(['message_id']);
  });

  // A digest once per person and local day.
  await knex.schema.createTable('mail_digests', (t) => {
    t.text('key').primary();
    t.uuid('person_id').notNullable();
    t.text('message_id').notNullable();
    t.integer('items').notNullable();
    t.text('status').notNullable().defaultTo('sending');
    t.timestamp('lease_until', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('sent_at', { useTz: true });
  });

  await knex.schema.createTable('mail_preferences', (t) => {
    t.uuid('person_id').notNullable();
    // A kind of notification (`estimate.ready`), or `*` for every kind not named.
    t.text('kind').notNullable();
    t.text('mode').notNullable();
    t.primary(['person_id', 'kind']);
    t.check("mode in ('instant', 'digest', 'none')", [], 'mail_preferences_mode_known');
  });

  for (const table of ['staff', 'client_contacts']) {
    await knex.schema.alterTable(table, (t) => {
      t.integer('digest_hour').notNullable().defaultTo(8);
      t.check('digest_hour between 0 and 23', [], `${table}_digest_hour_valid`);
    });
  }

  // Notifications made before the mail channel are not mailed now: they were read in the inbox.
  await knex.schema.alterTable('notifications', (t) => {
    t.timestamp('mail_planned_at', { useTz: true });
  });
  await knex.raw('update notifications set mail_planned_at = now()');
  await knex.raw('create index notifications_mail_unplanned_idx on notifications (created_at) where mail_planned_at is null');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists notifications_mail_unplanned_idx');
  await knex.schema.alterTable('notifications', (t) => t.dropColumn('mail_planned_at'));
  for (const table of ['staff', 'client_contacts']) {
    await knex.schema.alterTable(table, (t) => {
      t.dropChecks(`${table}_digest_hour_valid`);
      t.dropColumn('digest_hour');
    });
  }
  await knex.schema.dropTableIfExists('mail_preferences');
  await knex.schema.dropTableIfExists('mail_digests');
  await knex.schema.dropTableIfExists('mail_outbound');
  await knex.schema.dropTableIfExists('mail_inbound');
}
