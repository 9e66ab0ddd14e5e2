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
 * Ours and the bare workflow side by side in one run: `rounds` rounds of n / rounds lifecycles
 * each, ours first in odd rounds and the bare workflow first in even ones, so that both meet the
 * same machine (this VM's speed drifts by a fifth over minutes) and the same stale timers.
 */
export async function throughput(s: BenchStack, n: number, concurrency: number, log: (line: string) => void, rounds = 4): Promise<Throughput> {
  // Warm both workers (bundles loaded, connections open, caches primed).
  await timed(s, concurrency, concurrency, (i) => ourLifecycle(s, -1 - i));
  await timed(s, concurrency, concurrency, () => bareLifecycle(s));
  const per = Math.ceil(n / rounds);
  const oursRuns: Run[] = [];
  const bareRuns: Run[] = [];
  const roundRatios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const runOurs = () => timed(s, per, concurrency, (i) => ourLifecycle(s, round * per + i));
    const runBare = () => timed(s, per, concurrency, () => bareLifecycle(s));
    let ours: Run;
    let bare: Run;
    if (round % 2 === 0) {
      ours = await runOurs();
      bare = await runBare();
    } else {
      bare = await runBare();
      ours = await runOurs();
    }
    oursRuns.push(ours);
    bareRuns.push(bare);
    roundRatios.push(ours.perSecond / bare.perSecond);
    log(`round ${round + 1}: ours ${ours.perSecond.toFixed(2)}/s, bare ${bare.perSecond.toFixed(2)}/s, ratio ${(ours.perSecond / bare.perSecond).toFixed(2)}`);
  }
  const ours = summed(oursRuns, per);
  const bare = summed(bareRuns, per);
  log(`ours: ${per * rounds} lifecycles in ${ours.seconds.toFixed(1)} s; CPU ms per lifecycle ${JSON.stringify(ours.cpuMsPerLifecycle)}`);
  log(`bare: ${per * rounds} lifecycles in ${bare.seconds.toFixed(1)} s; CPU ms per lifecycle ${JSON.stringify(bare.cpuMsPerLifecycle)}`);
  return { requests: per * rounds, concurrency, rounds, ours, bare, ratio: ours.perSecond / bare.perSecond, roundRatios };
}
