// The production shape on one machine: Temporal's four services as separate processes of the real
// server (built from its Go module) on PostgreSQL, two Retainer Desk workers and two APIs. Every
// process can be killed and started again on its own: `npm run cluster` runs it, the cluster
// fault test and the cluster benchmark break it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_TYPES } from '../shared/contract';
import { findTemporalCli, freePort, stopChild, waitForPort } from '../dev/stack';
import { CLUSTER, type TemporalService } from './shape';

const ROOT = path.resolve(__dirname, '../..');
export const SERVER_DIR = path.join(ROOT, `.tools/temporal-server-${CLUSTER.temporalVersion}`);
export const SERVER_BIN = path.join(SERVER_DIR, 'server');
export const SQL_BIN = path.join(SERVER_DIR, 'sql');
export const DYNAMIC_CONFIG = path.join(ROOT, 'deploy/temporal/dynamicconfig.yaml');
export const UI_DIR = path.join(ROOT, `.tools/temporal-ui-${CLUSTER.uiVersion}`);
export const UI_BIN = path.join(UI_DIR, 'server');

/** Builds `bin` of a Go module into `dir` once (kept in ~/.cache/retainer-desk too, for other clones); false when Go cannot. */
function goBuild(dir: string, bins: string[], packages: string[], what: string, say: (line: string) => void): boolean {
  if (bins.every((b) => fs.existsSync(path.join(dir, b)))) return true;
  const shared = path.join(os.homedir(), '.cache/retainer-desk', path.basename(dir));
  fs.mkdirSync(dir, { recursive: true });
  if (bins.every((b) => fs.existsSync(path.join(shared, b)))) {
    for (const b of bins) {
      fs.copyFileSync(path.join(shared, b), path.join(dir, b));
      fs.chmodSync(path.join(dir, b), 0o755);
    }
    say(`${what}: taken from ${shared}`);
    return true;
  }
  if (spawnSync('go', ['version'], { stdio: 'ignore' }).status !== 0) return false;
  say(`building ${what} from its Go module into ${path.relative(ROOT, dir)} (once)`);
  const built = spawnSync('go', ['install', ...packages], { stdio: 'inherit', env: { ...process.env, GOBIN: dir, GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'local', CGO_ENABLED: '0' } });
  if (built.status !== 0) return false;
  fs.mkdirSync(shared, { recursive: true });
  for (const b of bins) fs.copyFileSync(path.join(dir, b), path.join(shared, b));
  return true;
}

/** Builds the Temporal UI server once; false when it cannot be had here (the cluster then runs without it). */
export function ensureUiBuilt(say: (line: string) => void = console.log): boolean {
  return goBuild(UI_DIR, ['server'], [`github.com/temporalio/ui-server/v2/cmd/server@v${CLUSTER.uiVersion}`], `the Temporal UI ${CLUSTER.uiVersion}`, say);
}

/**
 * Builds the Temporal server and its SQL tool from the Go module, once (minutes); reused while
 * both binaries are there. Needs Go; the module comes from the Go module proxy.
 */
export function ensureServerBuilt(say: (line: string) => void = console.log): void {
  const v = CLUSTER.temporalVersion;
  const ok = goBuild(SERVER_DIR, ['server', 'sql'], [`go.temporal.io/server/cmd/server@v${v}`, `go.temporal.io/server/cmd/tools/sql@v${v}`], `the Temporal server ${v} and its SQL tool (a few minutes)`, say);
  if (!ok) throw new Error(`the Temporal server ${v} could not be built: Go 1.24 or later is needed (go install go.temporal.io/server/cmd/server@v${v})`);
}

export interface Pg {
  host: string;
  port: number;
  user: string;
  password: string;
}

export function pgOf(url: string): Pg {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 5432), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
}

/** Creates Temporal's two databases and sets up their schemas at the release's versions (each step skipped when done). */
export function setupTemporalSchema(pg: Pg, say: (line: string) => void = console.log): void {
  const sql = (db: string, args: string[], quiet = false) =>
    spawnSync(SQL_BIN, ['--plugin', 'postgres12', '--ep', pg.host, '-p', String(pg.port), '-u', pg.user, '--pw', pg.password, '--db', db, ...args], { encoding: 'utf8', stdio: quiet ? 'pipe' : 'inherit' });
  for (const [db, schema, version] of [
    ['temporal', 'postgresql/v12/temporal', CLUSTER.schema.temporal],
    ['temporal_visibility', 'postgresql/v12/visibility', CLUSTER.schema.visibility],
  ] as const) {
    sql(db, ['create-database'], true);
    // A database that has its schema keeps it: the tables are there already.
    const setup = sql(db, ['setup-schema', '--schema-name', schema, '--version', version], true);
    if (setup.status !== 0 && !/already exists/.test(`${setup.stderr}${setup.stdout}`)) {
      throw new Error(`setting up Temporal's ${db} schema failed: ${setup.stderr || setup.stdout}`);
    }
    say(`Temporal schema ${db}: ${version}`);
  }
}

/** A free port below 32768 (Temporal stores membership ports as smallint). */
async function lowPort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

export interface ServicePorts {
  grpc: number;
  membership: number;
  http?: number;
}

/** The server's configuration: PostgreSQL for persistence and visibility, each service on its ports, the shared dynamic config. */
export function serverConfig(pg: Pg, ports: Record<TemporalService, ServicePorts>): string {
  const store = (db: string, conns: number) => `
      sql:
        pluginName: postgres12
        databaseName: ${db}
        connectAddr: "${pg.host}:${pg.port}"
        connectProtocol: tcp
        user: ${JSON.stringify(pg.user)}
        password: ${JSON.stringify(pg.password)}
        maxConns: ${conns}
        maxIdleConns: ${conns}
        maxConnLifetime: 1h`;
  const services = CLUSTER.services
    .map(
      (s) => `
  ${s}:
    rpc:
      grpcPort: ${ports[s].grpc}
      membershipPort: ${ports[s].membership}
      bindOnLocalHost: true${ports[s].http ? `\n      httpPort: ${ports[s].http}` : ''}`,
    )
    .join('');
  return `# Written by src/cluster/stack.ts for this run.
log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: ${CLUSTER.numHistoryShards}
  datastores:
    default:${store('temporal', 20)}
    visibility:${store('temporal_visibility', 10)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
services:${services}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: 127.0.0.1:${ports.frontend.grpc}
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: ${JSON.stringify(DYNAMIC_CONFIG)}
  pollInterval: 10s
`;
}

/** One process of the cluster, which can be killed (any signal) and started again the same way. */
export class Managed {
  child: ChildProcess | undefined;
  private readonly log: string;

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: string[],
    private readonly opts: { cwd?: string; env?: NodeJS.ProcessEnv; logDir: string; readyPort?: number },
  ) {
    this.log = path.join(opts.logDir, `${name}.log`);
  }

  async start(): Promise<void> {
    const out = fs.openSync(this.log, 'a');
    this.child = spawn(this.command, this.args, { cwd: this.opts.cwd ?? ROOT, env: this.opts.env ?? process.env, stdio: ['ignore', out, out], detached: true });
    fs.closeSync(out);
    if (this.opts.readyPort) {
      const child = this.child;
      const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`${this.name} exited with code ${code}; see ${this.log}`))));
      await Promise.race([waitForPort(this.opts.readyPort, '127.0.0.1', 120_000), exited]);
      exited.catch(() => undefined);
    }
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL by default: the process has no chance to clean up. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.running) this.child!.kill(signal);
  }

  /** SIGTERM, then SIGKILL after the bound. */
  stop(ms = 15_000): Promise<void> {
    return this.child ? stopChild(this.child, ms) : Promise.resolve();
  }
}

export interface Cluster {
  dir: string;
  frontend: string;
  /** The Temporal UI's address, when it runs. */
  ui?: string;
  temporal: Record<TemporalService, Managed>;
  workers: Managed[];
  apis: (Managed & { url: string })[];
  /** Stops Retainer Desk's processes, then Temporal's, in order. */
  stop(): Promise<void>;
}

/** Waits until the frontend answers and the namespace takes our search attributes. */
async function registerNamespace(frontend: string, namespace: string, say: (line: string) => void): Promise<void> {
  const cli = findTemporalCli();
  const run = (args: string[]) => spawnSync(cli, [...args, '--address', frontend], { encoding: 'utf8' });
  const deadline = Date.now() + 120_000;
  while (run(['operator', 'cluster', 'health']).status !== 0) {
    if (Date.now() > deadline) throw new Error(`the Temporal frontend at ${frontend} did not become healthy`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  // A new namespace reaches every service's cache within seconds: until then, creating its search
  // attributes or starting a workflow there fails, and is tried again.
  const connection = await Connection.connect({ address: frontend });
  try {
    const client = new Client({ connection, namespace });
    for (;;) {
      try {
        if (run(['operator', 'namespace', 'describe', '--namespace', namespace]).status !== 0) {
          run(['operator', 'namespace', 'create', '--namespace', namespace, '--retention', '30d']);
          throw new Error(`the namespace ${namespace} is being created`);
        }
        const listed = run(['operator', 'search-attribute', 'list', '--namespace', namespace]).stdout;
        for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_TYPES)) {
          if (!new RegExp(`\\b${name}\\b`).test(listed)) run(['operator', 'search-attribute', 'create', '--namespace', namespace, '--name', name, '--type', type]);
        }
        // The namespace is usable once a workflow with every search attribute starts.
        const handle = await client.workflow.start('clusterProbe', {
          taskQueue: 'cluster-probe',
          workflowId: `cluster-probe-${Date.now()}`,
          searchAttributes: Object.fromEntries(Object.entries(SEARCH_ATTRIBUTE_TYPES).map(([n, t]) => [n, t === 'Bool' ? [false] : t === 'Datetime' ? [new Date()] : ['probe']])),
        });
        await handle.terminate('probe');
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  } finally {
    await connection.close();
  }
  say(`namespace ${namespace} with ${Object.keys(SEARCH_ATTRIBUTE_TYPES).length} search attributes`);
}

export interface ClusterOptions {
  dir: string;
  databaseUrl: string;
  /** Retainer Desk's database (migrated before): the workers and APIs use it. */
  deskDatabaseUrl: string;
  namespace?: string;
  /** Ports of the two APIs (free ones when absent). */
  apiPorts?: number[];
  workers?: number;
  apis?: number;
  /** More environment for the workers and APIs. */
  env?: NodeJS.ProcessEnv;
  /** The Temporal UI on this port, where it can be built (`npm run cluster`). */
  uiPort?: number;
  say?: (line: string) => void;
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const say = opts.say ?? console.log;
  const namespace = opts.namespace ?? 'default';
  fs.mkdirSync(opts.dir, { recursive: true });
  ensureServerBuilt(say);
  const pg = pgOf(opts.databaseUrl);
  setupTemporalSchema(pg, say);

  const ports = {} as Record<TemporalService, ServicePorts>;
  // Temporal keeps membership ports in a smallint column: every port below 32768.
  for (const s of CLUSTER.services) ports[s] = { grpc: await lowPort(), membership: await lowPort(), ...(s === 'frontend' ? { http: await lowPort() } : {}) };
  const configFile = path.join(opts.dir, 'temporal.yaml');
  fs.writeFileSync(configFile, serverConfig(pg, ports));

  const temporal = {} as Record<TemporalService, Managed>;
  // History first (it owns the shards), then matching, the frontend and Temporal's own worker.
  for (const s of ['history', 'matching', 'frontend', 'worker'] as const) {
    temporal[s] = new Managed(`temporal-${s}`, SERVER_BIN, ['--config-file', configFile, '--allow-no-auth', 'start', '--service', s], { logDir: opts.dir, readyPort: ports[s].grpc });
    await temporal[s].start();
    say(`Temporal ${s} on 127.0.0.1:${ports[s].grpc}`);
  }
  const frontend = `127.0.0.1:${ports.frontend.grpc}`;
  await registerNamespace(frontend, namespace, say);

  let ui: Managed | undefined;
  let uiUrl: string | undefined;
  if (opts.uiPort && ensureUiBuilt(say)) {
    const root = path.join(opts.dir, 'ui');
    fs.mkdirSync(path.join(root, 'config'), { recursive: true });
    fs.writeFileSync(path.join(root, 'config', 'base.yaml'), `temporalGrpcAddress: ${frontend}\nhost: 127.0.0.1\nport: ${opts.uiPort}\nenableUi: true\ndefaultNamespace: ${namespace}\n`);
    fs.writeFileSync(path.join(root, 'config', 'cluster.yaml'), 'refreshInterval: 1m\n');
    ui = new Managed('temporal-ui', UI_BIN, ['--root', root, '--config', 'config', '--env', 'cluster', 'start'], { logDir: opts.dir, readyPort: opts.uiPort });
    await ui.start();
    uiUrl = `http://127.0.0.1:${opts.uiPort}`;
    say(`Temporal UI on ${uiUrl}`);
  } else if (opts.uiPort) {
    say('no Temporal UI: its server could not be built here (it needs Go)');
  }

  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: opts.deskDatabaseUrl,
    TEMPORAL_ADDRESS: frontend,
    TEMPORAL_NAMESPACE: namespace,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    ...(uiUrl ? { TEMPORAL_UI_URL: uiUrl } : {}),
    ...opts.env,
  };
  const workers: Managed[] = [];
  for (let i = 1; i <= (opts.workers ?? CLUSTER.desk.workers); i++) {
    // node itself (not the tsx wrapper), so a signal reaches the process that runs the worker.
    const w = new Managed(`worker-${i}`, process.execPath, ['--import', 'tsx', 'src/worker/main.ts'], { logDir: opts.dir, env: { ...env, WORKER_METRICS_PORT: '0' } });
    await w.start();
    workers.push(w);
    say(`worker ${i} started`);
  }
  const apis: (Managed & { url: string })[] = [];
  for (let i = 1; i <= (opts.apis ?? CLUSTER.desk.apis); i++) {
    const port = opts.apiPorts?.[i - 1] ?? (await freePort());
    const a = Object.assign(new Managed(`api-${i}`, process.execPath, ['--import', 'tsx', 'src/api/main.ts'], { logDir: opts.dir, env: { ...env, PORT: String(port) }, readyPort: port }), { url: `http://127.0.0.1:${port}` });
    await a.start();
    apis.push(a);
    say(`API ${i} on ${a.url}`);
  }

  return {
    dir: opts.dir,
    frontend,
    ...(uiUrl ? { ui: uiUrl } : {}),
    temporal,
    workers,
    apis,
    stop: async () => {
      await Promise.all(apis.map((a) => a.stop(15_000)));
      await Promise.all(workers.map((w) => w.stop(20_000)));
      await ui?.stop(5_000);
      for (const s of ['frontend', 'worker', 'matching', 'history'] as const) await temporal[s].stop(10_000);
    },
  };
}
