// A request's steps on the allocation and hour ledgers (R24: hours held; task budgets, priority,
// finished tasks giving their hours back), and the dispatch of waiting tasks they may allow (R8,
// R9, R11). Run by the worker's activities, and by the API with an answer that hands them out.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from '../db/knex';
import { requestWorkflowId, taskAssignedSignal, type LedgerWork } from '../shared/contract';
import { dispatchQueued, markNotified, release } from '../stores/allocation';
import { writeLedgers, type LedgerSteps } from '../stores/ledger';
import { workflowRefOf } from '../stores/requests';

/**
 * Applies ledger steps in order and, at the end, the write-off, in one call (each step
 * idempotent), then dispatches waiting tasks if hours came back or a priority moved and some wait.
 */
export async function applyLedgers(db: Db, temporal: Client | undefined, r: { requestId: string; clientId: string }, steps: LedgerWork[], settle?: LedgerSteps['settle']): Promise<void> {
  if (await writeLedgers(db, { requestId: r.requestId, clientId: r.clientId, steps, ...(settle ? { settle } : {}) })) await dispatchAndTell(db, temporal);
}

/** Dispatches waiting tasks and signals each request; an assignment is marked told only after its signal. Idempotent. */
export async function dispatchAndTell(db: Db, temporal: Client | undefined): Promise<number> {
  const made = await dispatchQueued(db);
  for (const d of made) {
    if (temporal) {
      try {
        await temporal.workflow
          .getHandle(requestWorkflowId(await workflowRefOf(db, d.requestId)))
          .signal(taskAssignedSignal, { taskId: d.taskId, assigneeId: d.assigneeId, ...(d.mentorId ? { mentorId: d.mentorId } : {}) });
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
        // The request has ended meanwhile: its task needs nobody.
        await release(db, d.requestId, [d.taskId]);
      }
    }
    await markNotified(db, d);
  }
  return made.length;
}
