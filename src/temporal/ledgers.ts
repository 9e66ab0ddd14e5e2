// A request's steps on the allocation and hour ledgers (R24: hours held; task budgets, priority,
// finished tasks giving their hours back), and the dispatch of waiting tasks they may allow (R8,
// R9, R11). Run by the worker's activities, and by the API with an answer that hands them out.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from '../db/knex';
import { requestWorkflowId, taskAssignedSignal, type LedgerWork } from '../shared/contract';
import { dispatchQueued, markNotified, release, setPriority, setTaskHours } from '../stores/allocation';
import { reserve } from '../stores/ledger';
import { workflowRefOf } from '../stores/requests';

/** Applies ledger steps in order, each idempotent, then dispatches waiting tasks if hours came back or a priority moved. */
export async function applyLedgers(db: Db, temporal: Client | undefined, r: { requestId: string; clientId: string }, steps: LedgerWork[]): Promise<void> {
  let dispatch = false;
  for (const { reserve: held, hours, priority, release: finished } of steps) {
    if (held) await reserve(db, { requestId: r.requestId, clientId: r.clientId, ...held });
    if (hours && Object.keys(hours).length > 0) await setTaskHours(db, r.requestId, hours);
    if (priority) await setPriority(db, r.requestId, priority);
    if (finished && finished.length > 0) await release(db, r.requestId, finished);
    dispatch ||= priority !== undefined || (finished !== undefined && finished.length > 0);
  }
  if (dispatch) await dispatchAndTell(db, temporal);
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
