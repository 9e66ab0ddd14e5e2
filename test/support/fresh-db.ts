// A database of its own on the run's PostgreSQL, migrated: for a test that reads every row of a
// table the other files write too (the mail channel mails every notification it finds).
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { createDb, migrateLatest } from '../../src/db/knex';

export async function freshDatabase(prefix: string): Promise<string> {
  const base = inject('databaseUrl');
  const name = `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = createDb(base, { min: 0, max: 1 });
  await admin.raw(`create database "${name}"`);
  await admin.destroy();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const db = createDb(url.toString(), { min: 0, max: 1 });
  await migrateLatest(db);
  await db.destroy();
  return url.toString();
}
