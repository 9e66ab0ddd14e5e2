// `npm run migrate` (latest) and `npm run migrate -- down` (roll every migration back).
import { loadConfig } from '../config';
import { createDb, migrateLatest, migrateRollbackAll } from './knex';

async function main() {
  const config = loadConfig();
  if (!config.databaseUrl) {
    console.error('DATABASE_URL is not set. `npm run dev` migrates the embedded database by itself.');
    process.exit(2);
  }
  const db = createDb(config.databaseUrl);
  try {
    const down = process.argv[2] === 'down';
    const names = down ? await migrateRollbackAll(db) : await migrateLatest(db);
    console.log(`${down ? 'rolled back' : 'applied'}: ${names.length ? names.join(', ') : 'nothing to do'}`);
  } finally {
    await db.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
