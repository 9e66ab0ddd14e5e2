// `npm run admin-token -- --name "Ada Admin" --email ada@example.com`: creates the administrator
// if missing and prints a new token for them, once. The way in to a fresh production database.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig } from '../config';
import { createDb } from '../db/knex';
import { hashToken, newToken } from './auth';

async function main() {
  const { values } = parseArgs({ options: { name: { type: 'string' }, email: { type: 'string' } } });
  const args = z.object({ name: z.string().trim().min(1), email: z.email() }).safeParse(values);
  const config = loadConfig();
  if (!args.success || !config.databaseUrl) {
    console.error('usage: DATABASE_URL=… npm run admin-token -- --name "Ada Admin" --email ada@example.com');
    process.exit(2);
  }
  const db = createDb(config.databaseUrl);
  try {
    const email = args.data.email.toLowerCase();
    await db('staff').insert({ id: randomUUID(), name: args.data.name, email, role: 'admin' }).onConflict('email').ignore();
    const admin = await db('staff').where({ email }).first<{ id: string; role: string }>('id', 'role');
    if (admin.role !== 'admin') throw new Error(`${email} belongs to a ${admin.role}, not an admin`);
    const token = newToken();
    await db('api_credentials').insert({ id: randomUUID(), token_hash: hashToken(token), staff_id: admin.id, label: 'admin-token cli' });
    console.log(token);
  } finally {
    await db.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
