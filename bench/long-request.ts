// A request that lives long: one request in execution driven through N actions (time entries,
// each an Update whose answer the API writes) through the HTTP API, one after another. The
// last 500 must be as fast as the first 500, and the answer as small, whatever the request's age.
import { requestWorkflowId } from '../src/shared/contract';
import { call, type BenchStack } from './stack';
import { quantile } from './stats';

export interface LongRequest {
  actions: number;
  first: { p50: number; p99: number };
  last: { p50: number; p99: number };
  /** Bytes of the answer to the last action. */
  lastAnswerBytes: number;
  largestAnswerBytes: number;
  runs: number;
  seconds: number;
}

export async function longRequest(s: BenchStack, actions: number, log: (line: string) => void): Promise<LongRequest> {
  const { company: co, api } = s;
  const { requestId: id, key } = await call<{ requestId: string; key?: string }>(api, 'POST', '/requests', co.client.token, { title: 'Ongoing maintenance', description: 'Daily care of the shop.' });
  const act = (path: string, token: string, body: object = {}) => call(api, 'POST', `/requests/${id}/${path}`, token, body);
  await act('triage', co.manager.token, { decision: 'delegate' });
  const { tasks } = await act('decompose', co.manager.token, { brief: 'Keep the shop healthy.', tasks: [{ title: 'Maintenance', skill: 'backend', complexity: 'high' }] });
  const specialist = co.specialists.find((p) => p.id === tasks[0]?.assigneeId);
  if (!specialist) throw new Error('T1 was not assigned');
  await act('tasks/T1/estimate', specialist.token, { hours: 1000, complexity: 'high' });
  await act('approve', co.client.token, { acceptOverage: true });

  const latencies: number[] = [];
  let lastAnswerBytes = 0;
  let largestAnswerBytes = 0;
  const start = performance.now();
  for (let i = 0; i < actions; i++) {
    const t = performance.now();
    const res = await fetch(`${api}/requests/${id}/time`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${specialist.token}`, 'Content-Type': 'application/json', 'Idempotency-Key': `long-${i}` },
      body: JSON.stringify({ taskId: 'T1', minutes: 1, category: 'execution', note: `day ${i}` }),
    });
    const text = await res.text();
    latencies.push(performance.now() - t);
    if (!res.ok) throw new Error(`action ${i} answered ${res.status}: ${text.slice(0, 200)}`);
    lastAnswerBytes = text.length;
    largestAnswerBytes = Math.max(largestAnswerBytes, text.length);
    if ((i + 1) % 1000 === 0) log(`${i + 1} actions, last ${latencies.at(-1)!.toFixed(1)} ms, answer ${text.length} bytes`);
  }
  const seconds = (performance.now() - start) / 1000;
  const head = latencies.slice(0, 500);
  const tail = latencies.slice(-500);
  let runs = 0;
  for await (const _ of s.temporal.workflow.list({ query: `WorkflowId = '${requestWorkflowId(key ?? id)}'` })) runs++;
  return {
    actions,
    first: { p50: quantile(head, 0.5), p99: quantile(head, 0.99) },
    last: { p50: quantile(tail, 0.5), p99: quantile(tail, 0.99) },
    lastAnswerBytes,
    largestAnswerBytes,
    runs,
    seconds,
  };
}
