// API latency at 50 concurrent clients (autocannon) for POST /requests and for one Update-backed
// action (logging time), against the bare Temporal Update and update-with-start in the same run.
import autocannon from 'autocannon';
import { WithStartWorkflowOperation, type WorkflowHandle } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { BARE_TASK_QUEUE } from './bare-worker';
import { bareWorkflow, stepUpdate } from './bare-workflows';
import { call, type BenchStack } from './stack';
import { loadFor, pool, quantile } from './stats';

export interface Latency {
  connections: number;
  seconds: number;
  rows: { what: string; ours: { p50: number; p99: number; rps: number; errors: number }; bare: { p50: number; p99: number; rps: number } }[];
}

async function cannon(opts: autocannon.Options): Promise<{ p50: number; p99: number; rps: number; errors: number }> {
  const result = await autocannon(opts);
  return { p50: result.latency.p50, p99: result.latency.p99, rps: result.requests.average, errors: result.errors + result.non2xx };
}

function bareStats(latencies: number[], seconds: number) {
  return { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), rps: latencies.length / seconds };
}

export async function latency(s: BenchStack, connections: number, seconds: number, log: (line: string) => void): Promise<Latency> {
  const { company: co, api } = s;
  const startBare = async (workflowId = `bare-${randomUUID()}`): Promise<WorkflowHandle> => {
    await s.temporal.workflow.executeUpdateWithStart(stepUpdate, {
      args: [{}],
      startWorkflowOperation: new WithStartWorkflowOperation(bareWorkflow, { workflowId, taskQueue: BARE_TASK_QUEUE, workflowIdConflictPolicy: 'FAIL' }),
    });
    return s.temporal.workflow.getHandle(workflowId);
  };

  const filing = await cannon({
    url: `${api}/requests`,
    method: 'POST',
    connections,
    duration: seconds,
    headers: { Authorization: `Bearer ${co.client.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ title: 'Load test', description: 'Filed by the latency benchmark.' }),
  });
  log(`POST /requests: p50 ${filing.p50} ms, p99 ${filing.p99} ms, ${filing.rps} req/s, ${filing.errors} errors`);
  const bareStart = bareStats(await loadFor(seconds, connections, async () => void (await startBare())), seconds);

  // One request in execution per connection, each with its own specialist's token.
  const targets: { id: string; token: string }[] = [];
  await pool(connections, 10, async () => {
    const { requestId: id } = await call(api, 'POST', '/requests', co.client.token, { title: 'Timesheet', description: 'Long-running work.' });
    await call(api, 'POST', `/requests/${id}/triage`, co.manager.token, { decision: 'delegate' });
    const { tasks } = await call(api, 'POST', `/requests/${id}/decompose`, co.manager.token, { brief: 'Work.', tasks: [{ title: 'Work', skill: 'backend' }] });
    const token = co.specialists.find((p) => p.id === tasks[0]?.assigneeId)?.token as string;
    await call(api, 'POST', `/requests/${id}/tasks/T1/estimate`, token, { hours: 400, complexity: 'high' });
    await call(api, 'POST', `/requests/${id}/approve`, co.client.token, { acceptOverage: true });
    targets.push({ id, token });
  });
  let next = 0;
  const body = JSON.stringify({ taskId: 'T1', minutes: 5, category: 'execution' });
  const logging = await cannon({
    url: api,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => {
          const t = targets[next++ % targets.length]!;
          return { ...req, path: `/requests/${t.id}/time`, headers: { Authorization: `Bearer ${t.token}`, 'Content-Type': 'application/json' }, body };
        },
      },
    ],
  });
  log(`POST /requests/:id/time: p50 ${logging.p50} ms, p99 ${logging.p99} ms, ${logging.rps} req/s, ${logging.errors} errors`);
  const handles: WorkflowHandle[] = [];
  for (let i = 0; i < connections; i++) handles.push(await startBare());
  const bareUpdate = bareStats(await loadFor(seconds, connections, async (i) => void (await handles[i % handles.length]!.executeUpdate(stepUpdate, { args: [{}] }))), seconds);

  return {
    connections,
    seconds,
    rows: [
      { what: 'POST /requests (update-with-start)', ours: filing, bare: bareStart },
      { what: 'POST /requests/:id/time (Update)', ours: logging, bare: bareUpdate },
    ],
  };
}
