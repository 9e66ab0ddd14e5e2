// An action Update's answer, made good: the records it hands out are written to PostgreSQL
// before anyone is answered, so whoever reads the request next sees the action (read-your-writes).
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Db } from '../db/knex';
import type { RequestState } from '../domain';
import { projectUpdate, type RequestAnswer } from '../shared/contract';
import { writeProjection } from '../stores/projection';
import { applyLedgers } from './ledgers';
import { writeLast } from './write-request';

/**
 * Writes the answer's state and records, if it has them (requests from before the answered
 * projection wrote their own before answering), and its ledger steps, or the last write of a
 * request its answer ended, and answers with the state alone. When PostgreSQL refuses
 * the data or is away, the workflow is asked to write it: it sanitizes and flags what PostgreSQL
 * refuses, retries while it is away, and answers once the read model holds the version.
 */
export async function madeGood(db: Db, temporal: Client, handle: WorkflowHandle, answer: RequestAnswer): Promise<RequestState> {
  const { records, ledger, last, ...state } = answer;
  if (last) {
    // The request has ended: its workflow left its last write (write-off included) to us. A
    // connection PostgreSQL dropped (a restart) fails one statement: the write is made again.
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        await writeLast(db, temporal, last);
        break;
      } catch {
        // PostgreSQL is away: the worker's sweep makes the write from the workflow's result once it is back.
        if (attempt < 3) await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
    return state;
  }
  if (!records) return state;
  try {
    await writeProjection(db, { state, ...records }, { prune: false });
    // Its ledger steps (a hold, a release), and the waiting tasks a release lets go.
    if (ledger) await applyLedgers(db, temporal, state, [ledger]);
  } catch {
    // The workflow logs why, and flags the request if PostgreSQL refuses its data.
    await handle.executeUpdate(projectUpdate, { args: [state.version] });
  }
  return state;
}

/** After an Update whose answer was lost (the run ended or dropped it): the read model catches up with `version`. */
export async function caughtUp(handle: WorkflowHandle, version: number): Promise<void> {
  try {
    await handle.executeUpdate(projectUpdate, { args: [version] });
  } catch {
    // A run that ended wrote its last version before it did.
  }
}
