// Lifecycle throughput: N requests through the whole path (HTTP API → Updates → workflow →
// PostgreSQL) at a fixed concurrency, against a bare workflow taking the same number of Updates.
import { WithStartWorkflowOperation } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { BARE_TASK_QUEUE } from './bare-worker';
import { bareWorkflow, stepUpdate } from './bare-workflows';
import { call, cpuSeconds, type BenchStack } from './stack';
import { pool } from './stats';

/** Updates per lifecycle: intake (update-with-start) and eight actions. */
export const UPDATES_PER_LIFECYCLE = 9;

/** One request from filing to closure through the API: nine calls, each one Update. */
export async function ourLifecycle(s: Pick<BenchStack, 'company' | 'api'>, i: number): Promise<void> {
  const { company: co, api } = s;
  const { requestId: id } = await call(api, 'POST', '/requests', co.client.token, { title: `Bench ${i}`, description: 'The order page is slow.' });
  const act = (path: string, token: string, body: object = {}) => call(api, 'POST', `/requests/${id}/${path}`, token, body);
  await act('triage', co.manager.token, { decision: 'delegate' });
  const { tasks } = await act('decompose', co.manager.token, { brief: 'Add the missing index.', tasks: [{ title: 'Index', skill: 'backend', complexity: 'low' }] });
  const specialist = co.specialists.find((p) => p.id === tasks[0]?.assigneeId);
  if (!specialist) throw new Error(`T1 was not assigned: ${JSON.stringify(tasks)}`);
  await act('tasks/T1/estimate', specialist.token, { hours: 2, complexity: 'low' });
  await act('approve', co.client.token);
  await act('time', specialist.token, { taskId: 'T1', minutes: 60, category: 'execution' });
  await act('tasks/T1/complete', specialist.token, { result: 'Indexed.' });
  await act('accept-result', co.manager.token);
  await act('confirm-closure', co.client.token);
}

/** The same number of Updates on a workflow that does nothing else, straight from a Temporal client. */
export async function bareLifecycle(s: BenchStack): Promise<string> {
  const workflowId = `bare-${randomUUID()}`;
  await s.temporal.workflow.executeUpdateWithStart(stepUpdate, {
    args: [{}],
    startWorkflowOperation: new WithStartWorkflowOperation(bareWorkflow, { workflowId, taskQueue: BARE_TASK_QUEUE, workflowIdConflictPolicy: 'FAIL' }),
  });
  const handle = s.temporal.workflow.getHandle(workflowId);
  for (let u = 2; u <= UPDATES_PER_LIFECYCLE; u++) await handle.executeUpdate(stepUpdate, { args: [{ last: u === UPDATES_PER_LIFECYCLE }] });
  return workflowId;
}

/**
 * The same 9 Updates on the bare workflow, each through the floor API (`bench/bare-api.ts`): an
 * HTTP call, the Update, one write of its answer to PostgreSQL. What the architecture itself
 * costs, before any of the desk's own work.
 */
export async function floorLifecycle(s: Pick<BenchStack, 'floor'>): Promise<void> {
  const id = `floor-${randomUUID()}`;
  const post = async (url: string, body: object) => {
    const res = await fetch(`${s.floor}${url}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`POST ${url} answered ${res.status}`);
    await res.json();
  };
  await post(`/floor/${id}`, {});
  for (let u = 2; u <= UPDATES_PER_LIFECYCLE; u++) await post(`/floor/${id}/step`, { last: u === UPDATES_PER_LIFECYCLE });
}

interface Run {
  seconds: number;
  perSecond: number;
  updatesPerSecond: number;
  /** CPU milliseconds each process spent per lifecycle. */
  cpuMsPerLifecycle: Record<string, number>;
}

export interface Throughput {
  requests: number;
  concurrency: number;
  /** Ours and the bare workflow alternate in this many rounds (the order swapped each round), summed below. */
  rounds?: number;
  ours: Run;
  bare: Run;
  ratio: number;
  /** Each round's ratio, in order. */
  roundRatios?: number[];
  /** The bare workflow behind the floor API, in the same rounds. */
  floor?: Run;
  /** floor / bare: what an HTTP API and a read model cost by themselves. */
  floorRatio?: number;
  /** ours / floor. */
  oursToFloor?: number;
}

async function timed(s: BenchStack, n: number, concurrency: number, job: (i: number) => Promise<unknown>): Promise<Run> {
  const cpu = () => Object.fromEntries(Object.entries(s.processes()).map(([name, pids]) => [name, pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0)]));
  const before = cpu();
  const start = performance.now();
  await pool(n, concurrency, async (i) => void (await job(i)));
  const seconds = (performance.now() - start) / 1000;
  const after = cpu();
  const cpuMsPerLifecycle = Object.fromEntries(Object.keys(after).map((name) => [name, ((after[name]! - (before[name] ?? 0)) * 1000) / n]));
  return { seconds, perSecond: n / seconds, updatesPerSecond: (n * UPDATES_PER_LIFECYCLE) / seconds, cpuMsPerLifecycle };
}

/** The runs of several rounds as one: their seconds added, their CPU per lifecycle averaged (each round has as many lifecycles). */
function summed(runs: Run[], per: number): Run {
  const seconds = runs.reduce((sum, r) => sum + r.seconds, 0);
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.cpuMsPerLifecycle)))];
  const cpuMsPerLifecycle = Object.fromEntries(names.map((name) => [name, runs.reduce((sum, r) => sum + (r.cpuMsPerLifecycle[name] ?? 0), 0) / runs.length]));
  const n = per * runs.length;
  return { seconds, perSecond: n / seconds, updatesPerSecond: (n * UPDATES_PER_LIFECYCLE) / seconds, cpuMsPerLifecycle };
}

/**
 * Ours, the bare workflow and the floor side by side in one run: `rounds` rounds of n / rounds
 * lifecycles each, the order of the three turned by one each round, so that all meet the same
 * machine (this VM's speed drifts by a fifth over minutes) and the same stale timers.
 */
export async function throughput(s: BenchStack, n: number, concurrency: number, log: (line: string) => void, rounds = 4): Promise<Throughput> {
  // Warm every worker and API (bundles loaded, connections open, caches primed).
  await timed(s, concurrency, concurrency, (i) => ourLifecycle(s, -1 - i));
  await timed(s, concurrency, concurrency, () => bareLifecycle(s));
  await timed(s, concurrency, concurrency, () => floorLifecycle(s));
  const per = Math.ceil(n / rounds);
  const runs = { ours: [] as Run[], bare: [] as Run[], floor: [] as Run[] };
  const roundRatios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const jobs = {
      ours: (i: number) => ourLifecycle(s, round * per + i),
      bare: () => bareLifecycle(s),
      floor: () => floorLifecycle(s),
    };
    const order = (['ours', 'bare', 'floor'] as const).map((_, k, all) => all[(k + round) % all.length]!);
    const got: Partial<Record<keyof typeof jobs, Run>> = {};
    for (const name of order) got[name] = await timed(s, per, concurrency, jobs[name]);
    const { ours, bare, floor } = got as Record<keyof typeof jobs, Run>;
    runs.ours.push(ours);
    runs.bare.push(bare);
    runs.floor.push(floor);
    roundRatios.push(ours.perSecond / bare.perSecond);
    log(`round ${round + 1} (${order.join(', ')}): ours ${ours.perSecond.toFixed(2)}/s, bare ${bare.perSecond.toFixed(2)}/s, floor ${floor.perSecond.toFixed(2)}/s, ratio ${(ours.perSecond / bare.perSecond).toFixed(2)}, floor/bare ${(floor.perSecond / bare.perSecond).toFixed(2)}`);
  }
  const ours = summed(runs.ours, per);
  const bare = summed(runs.bare, per);
  const floor = summed(runs.floor, per);
  for (const [name, run] of Object.entries({ ours, bare, floor })) {
    log(`${name}: ${per * rounds} lifecycles in ${run.seconds.toFixed(1)} s; CPU ms per lifecycle ${JSON.stringify(Object.fromEntries(Object.entries(run.cpuMsPerLifecycle).map(([k, v]) => [k, Math.round(v * 10) / 10])))}`);
  }
  return {
    requests: per * rounds,
    concurrency,
    rounds,
    ours,
    bare,
    ratio: ours.perSecond / bare.perSecond,
    roundRatios,
    floor,
    floorRatio: floor.perSecond / bare.perSecond,
    oursToFloor: ours.perSecond / floor.perSecond,
  };
}
