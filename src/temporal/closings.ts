// The worker's sweep for a closing answer whose caller died before it wrote it. From generation 6
// on, the answer that ends a request hands out its last write (the projection, the ledgers' steps,
// the write-off) and its workflow ends without making it; the workflow's result keeps that write.
import type { Client } from '@temporalio/client';
import type { Db } from '../db/knex';
import { requestIdFromWorkflowId, type RequestOutcome } from '../shared/contract';
import { wakeablePause } from '../shared/pause';
import { refsNotEnded } from '../stores/projection';
import { writeLast } from './write-request';

/** Workflows whose results are looked at per read-model query. */
const BATCH = 100;

/**
 * Makes the last write of every request workflow of `taskQueue` completed since `since` whose request the read
 * model does not hold as ended, from the workflow's result; answers how many it wrote. Idempotent:
 * each step of the write is.
 */
export async function sweepClosings(db: Db, temporal: Client, taskQueue: string, since: Date): Promise<number> {
  const query = `WorkflowType = 'requestWorkflow' AND TaskQueue = '${taskQueue.replace(/'/g, "''")}' AND ExecutionStatus = 'Completed' AND CloseTime >= '${since.toISOString()}'`;
  let written = 0;
  let batch = new Map<string, { workflowId: string; runId: string }>();
  const sweep = async () => {
    const open = await refsNotEnded(db, [...batch.keys()]);
    for (const ref of open) {
      const run = batch.get(ref)!;
      const outcome = (await temporal.workflow.getHandle(run.workflowId, run.runId).result()) as RequestOutcome | undefined;
      if (!outcome?.last) continue;
      await writeLast(db, temporal, outcome.last);
      written++;
    }
    batch = new Map();
  };
  for await (const wf of temporal.workflow.list({ query })) {
    const ref = requestIdFromWorkflowId(wf.workflowId);
    if (ref !== undefined) batch.set(ref, { workflowId: wf.workflowId, runId: wf.runId });
    if (batch.size >= BATCH) await sweep();
  }
  await sweep();
  return written;
}

export interface ClosingsSweep {
  stop(): Promise<void>;
}

/** How far back the first sweep after a worker starts looks: a worker down longer leaves older ones to the next that starts. */
const FIRST_LOOKBACK_MS = 24 * 3600_000;
/** How far each later sweep looks back before the last one began: the visibility store's lag, and more. */
const OVERLAP_MS = 60_000;

/** Sweeps every `everyMs` while the worker runs; the first at once. */
export function startClosingsSweep(
  { db, temporal, taskQueue }: { db: Db; temporal: Client; taskQueue: string },
  warn: (message: string, meta?: Record<string, unknown>) => void,
  everyMs = 30_000,
): ClosingsSweep {
  let stopped = false;
  const pause = wakeablePause();
  let since = new Date(Date.now() - FIRST_LOOKBACK_MS);
  const loop = (async () => {
    while (!stopped) {
      const began = Date.now();
      try {
        const written = await sweepClosings(db, temporal, taskQueue, since);
        if (written > 0) warn('closing writes made by the sweep (their callers did not make them)', { written });
        since = new Date(began - OVERLAP_MS);
      } catch (err) {
        if (!stopped) warn('the closings sweep failed; tried again later', { error: String(err) });
      }
      if (stopped) break;
      await pause.wait(everyMs);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      pause.wake();
      await loop;
    },
  };
}
