// `npm run dev` as a newcomer runs it: stopped with Ctrl-C while a request waits for the client's
// approval, started again, and the same request goes on to closure.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { DemoCompany } from '../src/dev/seed';
import { freePort } from '../src/dev/stack';
import type { RequestState } from '../src/domain';

const root = path.resolve(__dirname, '..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'retainer-desk-dev-'));
fs.chmodSync(dataDir, 0o755);
let child: ChildProcess | undefined;

afterAll(() => {
  child?.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function startDev(env: NodeJS.ProcessEnv): Promise<{ proc: ChildProcess; output: () => string }> {
  const proc = spawn(path.join(root, 'node_modules/.bin/tsx'), ['src/dev/main.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 120_000;
  while (!out.includes('Press Ctrl-C to stop.')) {
    if (proc.exitCode !== null) throw new Error(`npm run dev exited early:\n${out}`);
    if (Date.now() > deadline) throw new Error(`npm run dev did not start in time:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { proc, output: () => out };
}

async function stopDev(proc: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  proc.kill('SIGINT');
  return exited;
}

it('keeps a request waiting for approval across a restart of npm run dev, then closes it', { timeout: 300_000 }, async () => {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATA_DIR: dataDir,
    PORT: String(await freePort()),
    EMBEDDED_PG_PORT: String(await freePort()),
    TEMPORAL_DEV_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    WORKER_METRICS_PORT: String(await freePort()),
  };
  const api = `http://127.0.0.1:${env.PORT}`;
  const call = async (method: string, url: string, token: string, body?: object) => {
    const res = await fetch(`${api}${url}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = (await res.json()) as RequestState;
    if (!res.ok) throw new Error(`${method} ${url} → ${res.status} ${JSON.stringify(json)}`);
    return json;
  };

  const first = await startDev(env);
  child = first.proc;
  const demo = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-credentials.json'), 'utf8')) as DemoCompany;
  const { client, manager } = demo.people as Record<string, { id: string; token: string }>;
  const tokenOf = (id: string) => Object.values(demo.people).find((p) => p.id === id)?.token as string;

  const { requestId: id } = await call('POST', '/requests', client!.token, { title: 'Slow search', description: 'Search takes 10 s.' });
  await call('POST', `/requests/${id}/triage`, manager!.token, { decision: 'delegate' });
  const decomposed = await call('POST', `/requests/${id}/decompose`, manager!.token, {
    brief: 'Add an index for search.',
    tasks: [{ title: 'Index', skill: 'backend' }],
  });
  const specialist = tokenOf(decomposed.tasks[0]!.assigneeId!);
  const waiting = await call('POST', `/requests/${id}/tasks/T1/estimate`, specialist, { hours: 3, complexity: 'low' });
  expect(waiting.stage).toBe('ClientApproval');

  expect(await stopDev(first.proc)).toBe(0);
  expect(first.output()).toContain('stopped');
  await expect(fetch(`${api}/healthz`)).rejects.toThrow();

  const second = await startDev(env);
  child = second.proc;
  const again = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-credentials.json'), 'utf8')) as DemoCompany;
  expect(again.people.client?.token).toBe(client!.token);

  expect((await call('GET', `/requests/${id}`, manager!.token)).stage).toBe('ClientApproval');
  await call('POST', `/requests/${id}/approve`, client!.token, {});
  await call('POST', `/requests/${id}/time`, specialist, { taskId: 'T1', minutes: 120, category: 'execution' });
  await call('POST', `/requests/${id}/tasks/T1/complete`, specialist, { result: 'Index added; search takes 80 ms.' });
  await call('POST', `/requests/${id}/accept-result`, manager!.token, {});
  const closed = await call('POST', `/requests/${id}/confirm-closure`, client!.token, {});
  expect(closed.stage).toBe('Closed');
  expect((await call('GET', `/requests?stage=Closed`, manager!.token)) as unknown).toMatchObject({
    items: [expect.objectContaining({ requestId: id, stage: 'Closed' })],
  });

  // The worker's own Temporal runtime metrics are served for Prometheus.
  const workerMetrics = await (await fetch(`http://127.0.0.1:${env.WORKER_METRICS_PORT}/metrics`)).text();
  expect(workerMetrics).toMatch(/temporal_workflow_completed|temporal_request/);
  expect(await stopDev(second.proc)).toBe(0);
});
