// The benchmark's own stack, as production runs it: embedded PostgreSQL, a Temporal dev server,
// the real worker and the real API each in a process of its own, and the bare worker beside them.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { hashToken, newToken } from '../src/api/auth';
import { createDb, migrateLatest, type Db } from '../src/db/knex';
import { freePort, startScratchStack, waitForPort } from '../src/dev/stack';
import { connectClient } from '../src/temporal/connection';
import { FLOOR_TABLE } from './bare-api';

const ROOT = path.resolve(__dirname, '..');

export interface Person {
  id: string;
  token: string;
}

export interface BenchCompany {
  clientId: string;
  client: Person;
  manager: Person;
  head: Person;
  specialists: Person[];
}

export interface BenchStack {
  db: Db;
  temporal: Client;
  api: string;
  /** The bare workflow behind the smallest API with a read model (`bench/bare-api.ts`). */
  floor: string;
  company: BenchCompany;
  workerPid(): number;
  /** The processes that do the work, for CPU accounting. */
  processes(): Record<string, number[]>;
  restartWorker(): Promise<void>;
  close(): Promise<void>;
}

/** Resident memory of a process, in MiB. */
export function rssMiB(pid: number): number {
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? NaN) / 1024;
}

async function person(db: Db, column: 'staff_id' | 'contact_id', id: string): Promise<Person> {
  const token = newToken();
  await db('api_credentials').insert({ id: randomUUID(), token_hash: hashToken(token), [column]: id, label: 'bench' });
  return { id, token };
}

/** CPU seconds (user + system) a process has used so far; 0 when it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Every PostgreSQL process (the server and one per connection). */
function postgresPids(): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return fs.readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'postgres';
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** One client with hours to spare, its manager, the head and `specialists` backend seniors. */
export async function seedCompany(db: Db, specialists = 20): Promise<BenchCompany> {
  const tag = randomUUID().slice(0, 8);
  const staff = async (role: string, extra: object = {}) => {
    const id = randomUUID();
    await db('staff').insert({ id, name: `${role} ${tag} ${id.slice(0, 4)}`, email: `${role}-${id}@bench.example`, role, ...extra });
    return person(db, 'staff_id', id);
  };
  const manager = await staff('manager');
  const head = await staff('head');
  const team: Person[] = [];
  for (let i = 0; i < specialists; i++) team.push(await staff('specialist', { seniority: 'senior', skills: ['backend'], weekly_capacity_hours: 5_000 }));
  const clientId = randomUUID();
  await db('clients').insert({ id: clientId, name: `Bench ${tag}`, account_manager_id: manager.id });
  await db('subscriptions').insert({ id: randomUUID(), client_id: clientId, monthly_hours: 100_000, timezone: 'UTC', starts_on: '2026-01-01' });
  const contactId = randomUUID();
  await db('client_contacts').insert({ id: contactId, client_id: clientId, name: 'Bench contact', email: `contact-${tag}@bench.example` });
  return { clientId, client: await person(db, 'contact_id', contactId), manager, head, specialists: team };
}

export async function openBenchStack(log: (line: string) => void): Promise<BenchStack> {
  const stack = await startScratchStack('retainer-desk-bench-');
  const { dir, pg, temporal: temporalServer } = stack;
  const db = createDb(pg.url, { min: 0, max: 10 });
  await migrateLatest(db);
  log(`stack in ${dir}: PostgreSQL ${pg.url}, Temporal ${temporalServer.address}`);
  const company = await seedCompany(db);
  await db.schema.createTable(FLOOR_TABLE, (t) => {
    t.text('id').primary();
    t.integer('steps').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });

  const apiPort = await freePort();
  const floorPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: pg.url,
    TEMPORAL_ADDRESS: temporalServer.address,
    WORKER_METRICS_PORT: '0',
    LOG_LEVEL: 'warn',
    PORT: String(apiPort),
    RATE_LIMIT_PER_MINUTE: '0',
    FLOOR_PORT: String(floorPort),
  };
  const out = fs.openSync(path.join(dir, 'processes.log'), 'a');
  // BENCH_PROFILE=<folder>: the worker and the API write V8 CPU profiles there when they stop.
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_PROFILE)}`] : [];
  // BENCH_WORKER_FLAGS: Node/V8 flags for both workers (ours and the bare one), to measure them.
  const workerFlags = (process.env.BENCH_WORKER_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const node = (script: string) =>
    spawn(process.execPath, [...(script.startsWith('src/') ? profile : []), ...(/worker/.test(script) ? workerFlags : []), '--import', 'tsx', script], { cwd: ROOT, env, stdio: ['ignore', out, out] });
  let worker: ChildProcess = node('src/worker/main.ts');
  const bare = node('bench/bare-worker.ts');
  const api = node('src/api/main.ts');
  const floor = node('bench/bare-api.ts');
  await waitForPort(apiPort);
  await waitForPort(floorPort);
  const temporal = await connectClient(env);

  return {
    db,
    temporal,
    api: `http://127.0.0.1:${apiPort}`,
    floor: `http://127.0.0.1:${floorPort}`,
    company,
    workerPid: () => worker.pid as number,
    processes: () => ({
      'Temporal server': [temporalServer.process.pid as number],
      'our worker': [worker.pid as number],
      'our API': [api.pid as number],
      'bare worker': [bare.pid as number],
      'floor API': [floor.pid as number],
      PostgreSQL: postgresPids(),
      'benchmark client': [process.pid],
    }),
    restartWorker: async () => {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.kill('SIGTERM');
      await exited;
      worker = node('src/worker/main.ts');
    },
    close: async () => {
      for (const p of [worker, bare, api, floor]) p.kill('SIGTERM');
      await Promise.all([worker, bare, api, floor].map((p) => (p.exitCode === null ? new Promise((r) => p.once('exit', r)) : Promise.resolve())));
      fs.closeSync(out);
      await temporal.connection.close();
      await db.destroy();
      await stack.stop();
    },
  };
}

/** A call to the API that must succeed. */
export async function call<T = { requestId: string; stage: string; tasks: { id: string; assigneeId?: string }[] }>(
  api: string,
  method: 'GET' | 'POST',
  url: string,
  token: string,
  body?: object,
): Promise<T> {
  const res = await fetch(`${api}${url}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${url} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}
