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
  ours: Run;
  bare: Run;
  ratio: number;
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

export async function throughput(s: BenchStack, n: number, concurrency: number, log: (line: string) => void): Promise<Throughput> {
  // Warm both workers (bundles loaded, connections open, caches primed).
  await timed(s, concurrency, concurrency, (i) => ourLifecycle(s, -1 - i));
  await timed(s, concurrency, concurrency, () => bareLifecycle(s));
  const ours = await timed(s, n, concurrency, (i) => ourLifecycle(s, i));
  log(`ours: ${n} lifecycles in ${ours.seconds.toFixed(1)} s; CPU ms per lifecycle ${JSON.stringify(ours.cpuMsPerLifecycle)}`);
  const bare = await timed(s, n, concurrency, () => bareLifecycle(s));
  log(`bare: ${n} lifecycles in ${bare.seconds.toFixed(1)} s; CPU ms per lifecycle ${JSON.stringify(bare.cpuMsPerLifecycle)}`);
  return { requests: n, concurrency, ours, bare, ratio: ours.perSecond / bare.perSecond };
}
