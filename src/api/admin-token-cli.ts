// `npm run admin-token -- --name "Ada Admin" --email ada@example.com`: creates the administrator
// if missing and prints a new token for them, once. The way in to a fresh production database.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig } from '../config';
import { createDb } from '../db/knex';
import { adminToken } from '../stores/credentials';

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
    console.log(await adminToken(db, args.data.name, args.data.email.toLowerCase()));
  } finally {
    await db.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
