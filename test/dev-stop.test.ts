// `npm run dev` stopped with Ctrl-C (SIGINT to its whole process group, as a terminal sends it)
// while requests are in flight: every process it started is gone and every port free within
// 30 s, it says "stopped", five times in a row on the same data.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { DemoCompany } from '../src/dev/seed';
import { freePort } from '../src/dev/stack';

const root = path.resolve(__dirname, '..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'retainer-desk-stop-'));
fs.chmodSync(dataDir, 0o755);
let group: number | undefined;

afterAll(() => {
  if (group) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // gone, as it should be
    }
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Every live descendant of `pid` (Temporal and PostgreSQL included: they keep their parent, only their group is their own). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/** Alive and not a zombie waiting for its parent. */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

it('npm run dev stops in order within 30 s with requests in flight, leaving no process and no port behind, five times in a row', { timeout: 600_000 }, async () => {
  const ports = {
    PORT: await freePort(),
    EMBEDDED_PG_PORT: await freePort(),
    TEMPORAL_DEV_PORT: await freePort(),
    TEMPORAL_UI_PORT: await freePort(),
    WORKER_METRICS_PORT: await freePort(),
  };
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])) };
  const api = `http://127.0.0.1:${ports.PORT}`;

  for (let round = 1; round <= 5; round++) {
    const proc: ChildProcess = spawn('npm', ['run', 'dev'], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    group = proc.pid;
    let out = '';
    proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    // npm ends as a shell expects after Ctrl-C: by SIGINT (or with 0 if it was quicker than the signal).
    const exited = new Promise<string>((resolve) => proc.once('exit', (code, signal) => resolve(signal ?? String(code))));
    const started = Date.now();
    while (!out.includes('Press Ctrl-C to stop.')) {
      if (proc.exitCode !== null) throw new Error(`round ${round}: npm run dev exited early:\n${out}`);
      if (Date.now() - started > 120_000) throw new Error(`round ${round}: npm run dev did not start in time:\n${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const demo = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-credentials.json'), 'utf8')) as DemoCompany;
    const token = (who: string) => (demo.people as Record<string, { token: string }>)[who]!.token;
    const post = (url: string, who: string, body: object) =>
      fetch(`${api}${url}`, { method: 'POST', headers: { Authorization: `Bearer ${token(who)}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) }).catch(() => undefined);

    // Requests in flight: filed and triaged, without waiting for the answers.
    const created = (await (await post('/requests', 'client', { title: `Round ${round}`, description: 'In flight at Ctrl-C.' }))?.json()) as { requestId: string };
    const inFlight = [
      ...Array.from({ length: 5 }, (_, i) => post('/requests', 'client', { title: `In flight ${round}.${i}`, description: 'd' })),
      post(`/requests/${created.requestId}/triage`, 'manager', { decision: 'delegate' }),
    ];
    await new Promise((r) => setTimeout(r, 50));
    const everyProcess = [proc.pid!, ...descendants(proc.pid!)];
    expect(everyProcess.length, 'npm, tsx, node, Temporal and PostgreSQL').toBeGreaterThan(4);

    const signalled = Date.now();
    process.kill(-proc.pid!, 'SIGINT');
    const code = await Promise.race([exited, new Promise<'late'>((r) => setTimeout(() => r('late'), 30_000))]);
    for (;;) {
      const left = everyProcess.filter(alive);
      const busy = (await Promise.all(Object.values(ports).map(async (p) => ((await portFree(p)) ? undefined : p)))).filter((p) => p !== undefined);
      if (left.length === 0 && busy.length === 0) break;
      if (Date.now() - signalled > 30_000) {
        throw new Error(`round ${round}: after 30 s, processes ${left.join(',')} and ports ${busy.join(',')} remain; exit ${String(code)}\n${out}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    await Promise.all(inFlight);
    expect(['0', 'SIGINT'], out).toContain(code);
    expect(out).toContain('[retainer-desk] stopped');
    expect(out).not.toContain('did not stop within');
    group = undefined;
  }
});
