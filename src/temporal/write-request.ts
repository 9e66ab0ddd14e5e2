// A request's write to PostgreSQL, as one turn of its workflow makes it (its projection, its ledger
// steps, its write-off at the end). Run by the worker's activities; the last one also by the API,
// from the closing answer that hands it out, and by the worker's sweep when that caller died.
import type { Client } from '@temporalio/client';
import type { Db } from '../db/knex';
import { billingOf, type RequestBilling, type Task } from '../domain';
import type { RequestWrite } from '../shared/contract';
import { storable } from '../shared/text';
import { writeLedgers, type LedgerSteps } from '../stores/ledger';
import { flagRequest, writeProjection } from '../stores/projection';
import { timeEntriesOf } from '../stores/time-entries';
import { applyLedgers } from './ledgers';

/** SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation): the data is wrong, not the moment. */
export function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
}

/** Why PostgreSQL refused the data, as the request's flag and its escalation say it. */
export function refusal(err: unknown): string {
  const e = err as { code: string; message?: string };
  return `PostgreSQL refused the data (${e.code}): ${storable(String(e.message ?? '')).slice(0, 300)}`;
}

/**
 * R24, R25: held hours released, billable hours written off, once each. The bill is worked out
 * from the request's time entries in PostgreSQL and its tasks' budgets (workflows from before
 * bounded state send it ready-made).
 */
export async function settleRequest(db: Db, r: Settling): Promise<void> {
  await writeLedgers(db, { requestId: r.requestId, clientId: r.clientId, steps: [], settle: await writeOffOf(db, r) });
}

type Settling = { requestId: string; clientId: string; at: string } & ({ hours: number; detail: RequestBilling } | { tasks: Task[] });

/** The write-off of a request that ends: its billable hours and the breakdown behind them. */
async function writeOffOf(db: Db, r: Settling): Promise<NonNullable<LedgerSteps['settle']>> {
  const detail = 'detail' in r ? r.detail : billingOf({ tasks: r.tasks, timeEntries: await timeEntriesOf(db, r.requestId) });
  // The breakdown is a report drawn from the state: text PostgreSQL cannot hold never stops the write-off.
  return { at: r.at, hours: detail.billableHours, detail: storable(detail) };
}

/**
 * One turn of a request's loop, in order: its projection (if any), its ledger steps, its
 * write-off (at the end). Each step is idempotent, so a retry after a crash writes nothing twice.
 */
export async function writeRequest(db: Db, temporal: Client | undefined, w: RequestWrite): Promise<void> {
  if (w.projection) await writeProjection(db, w.projection);
  // The ledgers' steps and the write-off in one call; R8, R11: hours given back or a new order in
  // the queues let waiting tasks go at once.
  const settle = w.settle ? await writeOffOf(db, { requestId: w.requestId, clientId: w.clientId, ...w.settle }) : undefined;
  await applyLedgers(db, temporal, w, [...(w.redo ?? []), ...(w.ledger ? [w.ledger] : [])], settle);
}

/**
 * A request's last write, handed out by its closing answer (its workflow has ended without
 * making it). As the workflow does with its own writes: when PostgreSQL refuses the data, a
 * sanitized copy is written (or, refused too, the ledgers and the write-off alone), and the
 * request is flagged for its manager and the head. Throws while PostgreSQL is away.
 */
export async function writeLast(db: Db, temporal: Client | undefined, last: RequestWrite): Promise<void> {
  try {
    await writeRequest(db, temporal, last);
  } catch (err) {
    if (!isDataError(err) || !last.projection) throw err;
    const reason = refusal(err);
    const state = last.projection.state;
    try {
      await writeRequest(db, temporal, { ...last, projection: { ...last.projection, sanitize: true } });
    } catch (again) {
      if (!isDataError(again)) throw again;
      const { projection: _refused, ...rest } = last;
      await writeRequest(db, temporal, rest);
    }
    await flagRequest(db, { requestId: last.requestId, clientId: last.clientId, managerId: state.managerId, version: state.version, reason, at: new Date().toISOString() });
  }
}
