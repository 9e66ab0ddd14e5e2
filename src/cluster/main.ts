// `npm run cluster`: the production shape on one machine. The real Temporal server (built once
// from its Go module into .tools/) runs its four services as separate processes on PostgreSQL —
// the embedded one (data in .data/cluster/pg) or DATABASE_URL's server — then two Retainer Desk
// workers and two APIs. Ctrl-C stops it all in order: APIs, workers, Temporal, PostgreSQL.
import path from 'node:path';
import { loadConfig } from '../config';
import { createDb, migrateLatest } from '../db/knex';
import { startEmbeddedPostgres } from '../dev/stack';
import { CLUSTER } from './shape';
import { startCluster, type Cluster } from './stack';

const say = (line: string) => console.log(`[cluster] ${line}`);

async function main() {
  const config = loadConfig();
  const dir = path.join(config.dataDir, 'cluster');
  const stops: (() => Promise<void>)[] = [];
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping');
    for (const stop of stops) await stop().catch((err: unknown) => console.error(err));
    say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    say(`starting embedded PostgreSQL (data in ${path.join(dir, 'pg')})`);
    const pg = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port: config.embeddedPgPort + 1, ownProcessGroup: true });
    stops.unshift(() => pg.stop());
    databaseUrl = pg.url;
  }
  const db = createDb(databaseUrl);
  const applied = await migrateLatest(db);
  if (applied.length) say(`migrated: ${applied.join(', ')}`);
  await db.destroy();

  let cluster: Cluster;
  try {
    cluster = await startCluster({ dir, databaseUrl, deskDatabaseUrl: databaseUrl, apiPorts: [config.port, config.port + 1], uiPort: config.temporalUiPort, say });
  } catch (err) {
    console.error(err);
    return shutdown(1);
  }
  stops.unshift(() => cluster.stop());
  console.log(`
Retainer Desk runs as a cluster (Temporal ${CLUSTER.temporalVersion}, ${CLUSTER.numHistoryShards} history shards).
  APIs              ${cluster.apis.map((a) => a.url).join('  ')}
  Temporal gRPC     ${cluster.frontend}   (temporal workflow list --address ${cluster.frontend})
  Temporal UI       ${cluster.ui ?? 'not built here (it needs Go)'}
  Temporal services ${CLUSTER.services.join(', ')}: one process each; logs in ${dir}
  Workers           ${cluster.workers.length}
Press Ctrl-C to stop.`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
