// Migrations up, down and up again, in a database of their own on the test server.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inject } from 'vitest';
import { MIGRATIONS } from '../migrations';
import { createDb, migrateLatest, migrateRollbackAll, type Db } from '../src/db/knex';

const TABLES = [
  'admin_audit',
  'api_credentials',
  'attachment_chunks',
  'attachments',
  'audit_events',
  'client_contacts',
  'clients',
  'escalations',
  'hour_ledger',
  'invitations',
  'logins',
  'mail_digests',
  'mail_inbound',
  'mail_outbound',
  'mail_preferences',
  'message_revisions',
  'messages',
  'notifications',
  'policies',
  'policy_versions',
  'rate_buckets',
  'reassignment_proposals',
  'request_idempotency_keys',
  'request_keys',
  'requests',
  'sessions',
  'staff',
  'staff_absences',
  'statements',
  'subscriptions',
  'task_assignments',
  'tasks',
  'time_entries',
  'workload_reviews',
];

let admin: Db;
let db: Db;
const name = `migrations_${randomUUID().replaceAll('-', '')}`;

beforeAll(async () => {
  admin = createDb(inject('databaseUrl'));
  await admin.raw(`create database ${name}`);
  const url = new URL(inject('databaseUrl'));
  url.pathname = `/${name}`;
  db = createDb(url.toString());
});

afterAll(async () => {
  await db?.destroy();
  await admin?.raw(`drop database if exists ${name}`);
  await admin?.destroy();
});

const tables = async (): Promise<string[]> =>
  ((await db('pg_tables').where({ schemaname: 'public' }).whereNot('tablename', 'like', 'knex_%').pluck('tablename')) as string[]).sort();

it('migrates up, down and up again', async () => {
  const all = Object.keys(MIGRATIONS).length;
  expect(await migrateLatest(db)).toHaveLength(all);
  expect(await tables()).toEqual(TABLES);
  expect(await migrateLatest(db)).toEqual([]);
  expect(await migrateRollbackAll(db)).toHaveLength(all);
  expect(await tables()).toEqual([]);
  await migrateLatest(db);
  expect(await tables()).toEqual(TABLES);
});

it('constraints keep the data whole', async () => {
  await migrateLatest(db);
  const staff = { id: randomUUID(), name: 'A', email: `a-${randomUUID()}@x.example`, role: 'specialist', seniority: 'senior' };
  await db('staff').insert(staff);
  await expect(db('staff').insert({ ...staff, id: randomUUID() })).rejects.toMatchObject({ code: '23505' });
  await expect(db('staff').insert({ ...staff, id: randomUUID(), email: 'b@x.example', role: 'boss' })).rejects.toMatchObject({
    code: '23514',
  });
  await expect(
    db('staff').insert({ ...staff, id: randomUUID(), email: 'c@x.example', seniority: null }),
  ).rejects.toMatchObject({ code: '23514' });
  await expect(db('clients').insert({ id: randomUUID(), name: 'X', account_manager_id: randomUUID() })).rejects.toMatchObject({
    code: '23503',
  });
  await expect(
    db('api_credentials').insert({ id: randomUUID(), token_hash: 'h', label: 'nobody' }),
  ).rejects.toMatchObject({ code: '23514' });
});
