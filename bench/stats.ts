/** The q-quantile (0…1) of a set of numbers, nearest rank. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Milliseconds since a `performance.now()` reading. */
export const since = (start: number) => performance.now() - start;

export const ms = (v: number) => `${v.toFixed(v < 10 ? 2 : 1)} ms`;

/** Runs `count` jobs, at most `concurrency` at a time. */
export async function pool(count: number, concurrency: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await job(next++);
    }),
  );
}

/** Runs `concurrency` loops of `job` for `seconds`, returning every latency in ms. */
export async function loadFor(seconds: number, concurrency: number, job: (i: number) => Promise<void>): Promise<number[]> {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const start = performance.now();
        await job(n++);
        latencies.push(since(start));
      }
    }),
  );
  return latencies;
}
