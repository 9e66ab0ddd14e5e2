import type { Knex } from 'knex';

// What every desk has: request keys (ACME-42), the conversation (public replies and internal
// notes, edits kept, soft deletes), attachments stored in PostgreSQL in chunks, and full-text
// search in Russian and English.
export async function up(knex: Knex): Promise<void> {
  // One configuration for both languages: Cyrillic words through the Russian Snowball stemmer,
  // Latin ones through the English (PostgreSQL's `russian` maps ASCII words to `english_stem`).
  await knex.raw('create text search configuration desk (copy = russian)');

  // Request keys: the client's prefix and a sequence; a key given out is never given again.
  await knex.schema.alterTable('clients', (t) => {
    t.text('key_prefix').unique();
    t.integer('request_seq').notNullable().defaultTo(0);
  });
  await knex.schema.createTable('request_keys', (t) => {
    t.text('key').primary();
    t.uuid('client_id').notNullable().references('clients.id');
    t.uuid('request_id').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.alterTable('requests', (t) => {
    t.text('key').unique();
    t.text('description');
  });
  await knex.raw(`update requests set description = state->>'description'`);
  await knex.raw(`
    alter table requests add column search tsvector generated always as (
      setweight(to_tsvector('desk'::regconfig, coalesce(key, '') || ' ' || title), 'A') ||
      setweight(to_tsvector('desk'::regconfig, coalesce(description, '')), 'B')
    ) stored`);
  await knex.raw('create index requests_search_idx on requests using gin (search)');

  await knex.schema.createTable('messages', (t) => {
    t.uuid('id').primary();
    t.bigIncrements('seq', { primaryKey: false });
    t.uuid('request_id').notNullable().references('requests.id').onDelete('CASCADE');
    /** The request's client, kept beside each message so that a search narrows by it through an index. */
    t.uuid('client_id').notNullable().references('clients.id');
    t.text('author_id').notNullable();
    t.text('author_role').notNullable();
    t.boolean('internal').notNullable();
    t.text('body').notNullable();
    t.integer('minutes');
    t.text('category');
    /** The author's Idempotency-Key digest: a retried post is the same message. */
    t.text('idempotency_key').unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('edited_at', { useTz: true });
    t.integer('revision').notNullable().defaultTo(1);
    t.timestamp('deleted_at', { useTz: true });
    t.text('deleted_by');
    t.text('delete_reason');
    t.check("author_role in ('client','manager','specialist','head')", [], 'messages_author_role_valid');
    t.check('minutes is null or (minutes > 0 and minutes <= 1440)', [], 'messages_minutes_valid');
    t.check("not (internal and author_role = 'client')", [], 'messages_client_writes_public');
    t.index(['request_id', 'seq']);
    t.index(['client_id']);
  });
  await knex.raw(`alter table messages add column search tsvector generated always as (to_tsvector('desk'::regconfig, body)) stored`);
  await knex.raw('create index messages_search_idx on messages using gin (search)');

  // Every earlier text of an edited message: the audit trail of the conversation.
  await knex.schema.createTable('message_revisions', (t) => {
    t.uuid('message_id').notNullable().references('messages.id').onDelete('CASCADE');
    t.integer('revision').notNullable();
    t.text('body').notNullable();
    t.text('replaced_by').notNullable();
    t.timestamp('replaced_at', { useTz: true }).notNullable();
    t.primary(['message_id', 'revision']);
  });

  await knex.schema.createTable('attachments', (t) => {
    t.uuid('id').primary();
    t.uuid('request_id').notNullable().references('requests.id').onDelete('CASCADE');
    t.uuid('message_id').references('messages.id').onDelete('CASCADE');
    t.text('filename').notNullable();
    /** What the uploader said it is, kept for the record; never served. */
    t.text('declared_type');
    /** What the bytes are, sniffed: served as this. */
    t.text('content_type').notNullable();
    t.bigInteger('size').notNullable();
    t.text('sha256').notNullable();
    t.text('uploaded_by').notNullable();
    t.text('uploader_role').notNullable();
    t.text('idempotency_key').unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['request_id', 'created_at']);
    t.index(['message_id']);
  });
  await knex.schema.createTable('attachment_chunks', (t) => {
    t.uuid('attachment_id').notNullable().references('attachments.id').onDelete('CASCADE');
    t.integer('no').notNullable();
    t.binary('data').notNullable();
    t.primary(['attachment_id', 'no']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('attachment_chunks');
  await knex.schema.dropTable('attachments');
  await knex.schema.dropTable('message_revisions');
  await knex.schema.dropTable('messages');
  await knex.schema.alterTable('requests', (t) => {
    t.dropColumn('search');
    t.dropColumn('description');
    t.dropColumn('key');
  });
  await knex.schema.dropTable('request_keys');
  await knex.schema.alterTable('clients', (t) => {
    t.dropColumn('key_prefix');
    t.dropColumn('request_seq');
  });
  await knex.raw('drop text search configuration desk');
}
