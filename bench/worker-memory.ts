// Worker memory with many open requests, and what a command costs then: a fresh stack, 100 open
// requests, then 10k, each time the worker's RSS and the latency of triaging some of them.
import { call, openBenchStack, rssMiB, type BenchStack } from './stack';
import { pool, quantile, since } from './stats';

export interface WorkerMemory {
  idleMiB: number;
  points: { open: number; rssMiB: number; p50: number; p99: number; commands: number }[];
  startedPerSecond: number;
}

async function file(s: BenchStack, n: number, concurrency: number): Promise<string[]> {
  const ids: string[] = [];
  await pool(n, concurrency, async (i) => {
    const { requestId } = await call(s.api, 'POST', '/requests', s.company.client.token, { title: `Open ${i}`, description: 'Waiting for triage.' });
    ids.push(requestId);
  });
  return ids;
}

/** Triages `count` of the open requests one after another (the worker has to find each in its cache or replay it). */
async function triage(s: BenchStack, ids: string[], count: number): Promise<number[]> {
  const latencies: number[] = [];
  for (const id of ids.splice(0, count)) {
    const start = performance.now();
    await call(s.api, 'POST', `/requests/${id}/triage`, s.company.manager.token, { decision: 'delegate' });
    latencies.push(since(start));
  }
  return latencies;
}

export async function workerMemory(open: number, log: (line: string) => void): Promise<WorkerMemory> {
  const s = await openBenchStack(log);
  try {
    await new Promise((r) => setTimeout(r, 10_000));
    const idleMiB = rssMiB(s.workerPid());
    const points: WorkerMemory['points'] = [];
    const commands = 100;

    // Shuffled, so the requests triaged are not just the newest ones in the cache.
    const shuffle = (ids: string[]) => ids.sort(() => Math.random() - 0.5);
    const few = await triage(s, shuffle(await file(s, 100, 20)), commands);
    points.push({ open: 100, rssMiB: rssMiB(s.workerPid()), p50: quantile(few, 0.5), p99: quantile(few, 0.99), commands });
    log(`100 open: RSS ${points[0]!.rssMiB.toFixed(0)} MiB`);

    const start = performance.now();
    const more = await file(s, open - 100, 50);
    const startedPerSecond = (open - 100) / (since(start) / 1000);
    log(`${open} open (${startedPerSecond.toFixed(0)} filed/s): RSS ${rssMiB(s.workerPid()).toFixed(0)} MiB`);
    const many = await triage(s, shuffle(more), commands);
    points.push({ open, rssMiB: rssMiB(s.workerPid()), p50: quantile(many, 0.5), p99: quantile(many, 0.99), commands });
    return { idleMiB, points, startedPerSecond };
  } finally {
    await s.close();
  }
}
