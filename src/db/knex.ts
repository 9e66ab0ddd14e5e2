import knex, { type Knex } from 'knex';
import pg from 'pg';
import { MIGRATIONS } from '../../migrations';

// NUMERIC columns (hours) come back as numbers, not strings; hours never exceed double precision.
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));
// DATE columns stay plain 'YYYY-MM-DD' strings: a date has no time zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

export type Db = Knex;

/**
 * A scan stopped early (a search's candidates, `limit` without order) starts at the table's start,
 * not where another scan left off (synchronised scans), so the same query reads the same rows.
 */
const SESSION_SETTINGS = 'set synchronize_seqscans = off';

export function createDb(connectionString: string, pool: { min: number; max: number } = { min: 0, max: 10 }): Db {
  return knex({
    client: 'pg',
    connection: connectionString,
    pool: {
      ...pool,
      afterCreate: (conn: { query: (sql: string, cb: (err: Error | null) => void) => void }, done: (err: Error | null, conn: unknown) => void) => {
        conn.query(SESSION_SETTINGS, (err) => done(err, conn));
      },
    },
  });
}

const migrationConfig: Knex.MigratorConfig = {
  tableName: 'knex_migrations',
  migrationSource: {
    getMigrations: () => Promise.resolve(Object.keys(MIGRATIONS).sort()),
    getMigrationName: (name: string) => name,
    getMigration: (name: string) => Promise.resolve(MIGRATIONS[name] as Knex.Migration),
  },
};

export async function migrateLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest(migrationConfig)) as [number, string[]];
  return applied;
}

export async function migrateRollbackAll(db: Db): Promise<string[]> {
  const [, reverted] = (await db.migrate.rollback(migrationConfig, true)) as [number, string[]];
  return reverted;
}

/** Knex types rows as `any`; this names what a query returns, at the one place it is awaited. */
export async function rowsOf<T>(query: PromiseLike<unknown>): Promise<T> {
  return (await query) as T;
}

/** PostgreSQL answers (readiness). */
export async function ping(db: Db): Promise<void> {
  await db.raw('select 1');
}
