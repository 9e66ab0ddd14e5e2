// The answer that ends a request hands out its last write (its projection, its ledgers' steps,
// the write-off), and the workflow ends a moment later, without an activity. The API makes the write before it
// answers; the worker's closings sweep makes it from the workflow's result when the caller died
// first. Real Temporal, real PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionUpdates, type RequestOutcome } from '../src/shared/contract';
import { sweepClosings } from '../src/temporal/closings';
import { writeProjection } from '../src/stores/projection';
import { type Flow, eventually, openCompany } from './support/flow';
import { requestHandle, type Company, type Harness } from './support/harness';
import { expectReadModelEqualsWorkflow } from './support/read-model';

let h: Harness;
let co: Company;
let f: Flow;

beforeAll(async () => {
  // Its own worker and task queue (so that the sweep sees only this file's requests), sweeping every second.
  ({ h, co, f } = await openCompany({ closingsSweepMs: 1_000 }));
});

afterAll(async () => {
  await h.close();
});

const stageOf = async (id: string) => (await h.db('requests').where({ id }).first<{ stage: string }>('stage'))?.stage;
const ledgerOf = async (id: string) => (await h.db('hour_ledger').where({ request_id: id }).orderBy('id')).map((r: { kind: string; hours: number }) => [r.kind, r.hours]);

/** The closing Update straight to Temporal, as an API that died before writing leaves it. */
async function confirmPastTheApi(id: string) {
  const handle = await requestHandle(h, id);
  const answer = await handle.executeUpdate(actionUpdates.confirmClosure, {
    args: [{ actor: { id: co.client.id, role: 'client', clientId: co.clientId }, command: { type: 'confirmClosure' } }],
  });
  return { handle, answer };
}

describe('the closing answer', () => {
  it('R25 a closing whose caller died is written off by the worker\'s closings sweep, once', async () => {
    const id = await f.inClientReview(2);
    const since = new Date();
    const { handle, answer } = await confirmPastTheApi(id);
    expect(answer.stage).toBe('Closed');
    expect(answer.last?.settle?.tasks.map((t) => t.id)).toEqual(['T1']);
    // The workflow ended without writing: its result keeps the write.
    const outcome = (await handle.result()) as RequestOutcome;
    expect(outcome.last?.projection?.state.version).toBe(answer.version);
    // The sweep (every second here) makes it: the read model closed, the hold released, the write-off.
    await eventually(() => stageOf(id), (stage) => stage === 'Closed', 'the closing, written by the sweep', 15_000);
    const ledger = await eventually(() => ledgerOf(id), (rows) => rows.some(([kind]) => kind === 'writeoff'), 'the write-off');
    expect(ledger.map(([kind]) => kind).sort()).toEqual(['release', 'reservation', 'writeoff']);
    expect((await h.db('task_assignments').where({ request_id: id }).first<{ status: string }>('status'))?.status).toBe('released');
    // Swept again (as every sweep overlaps the one before): nothing left to write, nothing written twice.
    expect(await sweepClosings(h.db, h.temporal, h.taskQueue, since)).toBe(0);
    expect(await ledgerOf(id)).toEqual(ledger);
    await expectReadModelEqualsWorkflow(h, id);
  }, 60_000);

  it('R25 a last write cut short after its projection (closed, not yet written off) is finished by the sweep, once', async () => {
    const id = await f.inClientReview(2);
    const { handle, answer } = await confirmPastTheApi(id);
    // The caller wrote the projection, then lost PostgreSQL (a restart drops its connections) before the ledgers and the write-off.
    await writeProjection(h.db, answer.last!.projection!);
    expect(await stageOf(id)).toBe('Closed');
    await handle.result();
    const ledger = await eventually(() => ledgerOf(id), (rows) => rows.some(([kind]) => kind === 'writeoff'), 'the write-off, made by the sweep', 15_000);
    expect(ledger.map(([kind]) => kind).sort()).toEqual(['release', 'reservation', 'writeoff']);
    expect((await h.db('task_assignments').where({ request_id: id }).first<{ status: string }>('status'))?.status).toBe('released');
    // Later sweeps find it ended: nothing written twice.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await ledgerOf(id)).toEqual(ledger);
    await expectReadModelEqualsWorkflow(h, id);
  }, 60_000);

  it('a request closed through the API is written before the answer, and the sweep finds nothing to do', async () => {
    const id = await f.inClientReview(3);
    const since = new Date();
    await f.act(`/requests/${id}/confirm-closure`, co.client);
    // Read-your-writes: closed and written off the moment the client has the answer.
    expect(await stageOf(id)).toBe('Closed');
    const ledger = await ledgerOf(id);
    expect(ledger.map(([kind]) => kind).sort()).toEqual(['release', 'reservation', 'writeoff']);
    expect(await sweepClosings(h.db, h.temporal, h.taskQueue, since)).toBe(0);
    expect(await ledgerOf(id)).toEqual(ledger);
    await expectReadModelEqualsWorkflow(h, id);
  });

  it('R25 a closing sent 10 times in parallel with other actions beside it: applied once, no 5xx, written off once', async () => {
    // An Update or Signal that reaches the server while the closing's workflow task ends the
    // workflow fails that task (Temporal lets no message go unhandled): the closing's Update is
    // aborted, not applied, and the API sends it again.
    const ids = await Promise.all(Array.from({ length: 4 }, (_, i) => f.inClientReview(2 + i)));
    for (const id of ids) {
      const closing = Array.from({ length: 10 }, (_, i) => h.post(`/requests/${id}/confirm-closure`, co.client.token, {}).set('Idempotency-Key', `close-${id}-${i}`));
      const beside = Array.from({ length: 5 }, (_, i) => h.post(`/requests/${id}/messages`, co.client.token, { text: `thanks ${i}` }));
      const answers = await Promise.all([...closing, ...beside]);
      const statuses = answers.map((r) => r.status);
      expect(statuses.filter((st) => st >= 500), JSON.stringify(answers.filter((r) => r.status >= 500).map((r) => r.body as unknown))).toEqual([]);
      expect(statuses.slice(0, 10).filter((st) => st === 200).length, JSON.stringify(statuses)).toBeGreaterThanOrEqual(1);
      for (const st of statuses.slice(0, 10)) expect([200, 409]).toContain(st);
      expect(await stageOf(id)).toBe('Closed');
      expect(await h.db('hour_ledger').where({ request_id: id, kind: 'writeoff' })).toHaveLength(1);
      await expectReadModelEqualsWorkflow(h, id);
    }
  }, 120_000);

  it('a closing whose last write PostgreSQL refuses is written sanitized, written off all the same, and flagged to the manager', async () => {
    const id = await f.executing(2);
    // A time entry with a NUL in its note, sent past the API's validation; its answer's caller never wrote it.
    const handle = await requestHandle(h, id);
    await handle.executeUpdate(actionUpdates.logTime, {
      args: [{ actor: { id: co.backendSenior.id, role: 'specialist' }, command: { type: 'logTime', taskId: 'T1', minutes: 90, category: 'execution', note: 'bad \u0000 note' } }],
    });
    await f.act(`/requests/${id}/tasks/T1/complete`, co.backendSenior, { result: 'Done.' });
    await f.act(`/requests/${id}/accept-result`, co.manager);
    // The closing answer carries every record the workflow has not written itself, the bad entry with them.
    const closed = await f.act(`/requests/${id}/confirm-closure`, co.client);
    expect(closed.stage).toBe('Closed');
    const row = await h.db('requests').where({ id }).first<{ stage: string; attention_reason: string | null }>('stage', 'attention_reason');
    expect(row?.stage).toBe('Closed');
    expect(row?.attention_reason).toMatch(/could not be saved/);
    expect(await h.db('escalations').where({ request_id: id, kind: 'data_rejected' })).toHaveLength(1);
    // The entry is there without its NUL, and billed: 1.5 h of the 2.5 h approved.
    const entries = await h.db('time_entries').where({ request_id: id });
    expect(entries.map((e: { minutes: number; note: string }) => [e.minutes, e.note])).toEqual([[90, 'bad  note']]);
    const writeoff = await h.db('hour_ledger').where({ request_id: id, kind: 'writeoff' }).first<{ hours: number }>('hours');
    expect(Number(writeoff?.hours)).toBe(1.5);
  });
});
