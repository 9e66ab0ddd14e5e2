// An action's Update answers at once with the records its caller writes to PostgreSQL; the
// workflow writes them again itself, so a caller that never wrote them loses nothing. Real
// Temporal, real PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECORDS_HANDED_OUT, actionUpdates, searchAttributes, stateQuery, type RequestOutcome } from '../src/shared/contract';
import { type Flow, eventually, openCompany } from './support/flow';
import { requestHandle, type Company, type Harness } from './support/harness';
import { expectReadModelEqualsWorkflow } from './support/read-model';

let h: Harness;
let co: Company;
let f: Flow;

beforeAll(async () => {
  ({ h, co, f } = await openCompany());
});

afterAll(async () => {
  await h.close();
});

describe('the answered projection', () => {
  it('an answer its caller never wrote reaches the read model all the same, within the flush interval', async () => {
    // A young request: its history is far from the length at which Temporal suggests continuing as new (which also writes).
    const id = await f.file('Lost answer');
    const handle = await requestHandle(h, id);
    // Straight to Temporal, as a caller that died before writing would leave it.
    const answer = await handle.executeUpdate(actionUpdates.triage, {
      args: [{ actor: { id: co.manager.id, role: 'manager' }, command: { type: 'triage', decision: 'delegate' } }],
    });
    // It hands out the records no answer carried before: the triage's event.
    expect(answer.records?.events.map((e) => e.seq)).toContain(answer.counters.events);
    // Nobody wrote it: the read model is still at intake.
    const before = await h.db('requests').where({ id }).first();
    expect(before.version).toBeLessThan(answer.version);
    expect(before.stage).toBe('Triage');
    // The workflow writes what it handed out once FLUSH_AFTER (30 s) has passed.
    const started = Date.now();
    const row = await eventually(() => h.db('requests').where({ id }).first(), (r) => r.version === answer.version, 'the version written by the workflow', 45_000);
    expect(Date.now() - started).toBeGreaterThan(20_000);
    expect(row.stage).toBe(answer.stage);
    expect(await h.db('audit_events').where({ request_id: id, seq: answer.counters.events })).toHaveLength(1);
    await expectReadModelEqualsWorkflow(h, id);
  }, 60_000);

  it('an approval its caller never wrote: the hold reaches the month, and the Temporal UI its stage, within the flush interval', async () => {
    const id = await f.decomposed();
    await f.act(`/requests/${id}/tasks/T1/estimate`, co.backendSenior, { hours: 2, complexity: 'low' });
    const handle = await requestHandle(h, id);
    const stageShown = async () => (await handle.describe()).typedSearchAttributes.get(searchAttributes.stage);
    const shownBefore = await stageShown();
    // Straight to Temporal, as an API that died before writing would leave it.
    const answer = await handle.executeUpdate(actionUpdates.approveEstimate, {
      args: [{ actor: { id: co.client.id, role: 'client', clientId: co.clientId }, command: { type: 'approveEstimate', acceptOverage: true } }],
    });
    expect(answer.stage).toBe('Execution');
    // Its ledger steps went with the answer, to nobody: the month holds nothing for it yet.
    expect(answer.ledger?.reserve?.hours).toBe(2.25);
    const holds = () => h.db('hour_ledger').where({ request_id: id, kind: 'reservation' }) as Promise<{ hours: number }[]>;
    expect(await holds()).toEqual([]);
    // The Temporal UI's search attributes follow the workflow's own writes, not every answer.
    expect(await stageShown()).toBe(shownBefore);
    // The workflow does the steps again itself once FLUSH_AFTER (30 s) has passed, from its state.
    const started = Date.now();
    const rows = await eventually(holds, (r) => r.length > 0, 'the hold, done by the workflow', 45_000);
    expect(Date.now() - started).toBeGreaterThan(20_000);
    expect(rows.map((r) => r.hours)).toEqual([2.25]);
    expect(await h.db('task_assignments').where({ request_id: id, task_id: 'T1' }).first()).toMatchObject({ hours: 2.25, status: 'assigned' });
    expect(await eventually(stageShown, (stage) => stage === 'Execution', 'the stage in the Temporal UI')).toBe('Execution');
    await expectReadModelEqualsWorkflow(h, id);
  }, 60_000);

  it('a whole lifecycle takes one activity, the allocation, and no patch marker; the intake, the hold, the release and the end with its write-off go with the answers', async () => {
    const id = await f.inClientReview(2);
    await f.act(`/requests/${id}/confirm-closure`, co.client);
    // The closing answer's caller made the last write before it answered: the write-off is there at once.
    const atOnce = await h.db('hour_ledger').where({ request_id: id, kind: 'writeoff' });
    expect(atOnce).toHaveLength(1);
    expect((await h.db('requests').where({ id }).first<{ stage: string }>('stage'))?.stage).toBe('Closed');
    const handle = await requestHandle(h, id);
    // The workflow ended without writing, and its result keeps the last write it handed out.
    const outcome = (await handle.result()) as RequestOutcome;
    expect(outcome.last?.settle?.tasks.map((t) => t.id)).toEqual(['T1']);
    // Every run of it, first to last (the test server suggests continuing as new early): each
    // activity by its summary, and whether Temporal suggested continuing as new when it was scheduled.
    const activities: { name: string; summary: string; suggested: boolean }[] = [];
    const markers: string[][] = [];
    for (let runId: string | undefined; ; ) {
      const events = (await (await requestHandle(h, id, runId)).fetchHistory()).events ?? [];
      // No patch marker: each run says in its input the generation of the code that started it.
      markers.unshift(events.flatMap((e) => (e.markerRecordedEventAttributes ? [JSON.parse(Buffer.from(e.markerRecordedEventAttributes.details?.['patch-data']?.payloads?.[0]?.data ?? []).toString()).id as string] : [])));
      const suggested = new Set(events.filter((e) => e.workflowTaskStartedEventAttributes?.suggestContinueAsNew).map((e) => Number(e.eventId)));
      activities.unshift(
        ...events.flatMap((e) => {
          const a = e.activityTaskScheduledEventAttributes;
          if (!a) return [];
          const summary = JSON.parse(Buffer.from(e.userMetadata?.summary?.data ?? '""').toString() || '""') as string;
          // The workflow task that scheduled it started just before it completed.
          return [{ name: a.activityType?.name ?? '', summary, suggested: suggested.has(Number(a.workflowTaskCompletedEventId) - 1) }];
        }),
      );
      runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? undefined;
      if (!runId) break;
    }
    expect(markers.flat()).toEqual([]);
    // The answers' records and ledger steps (the intake, the hold at approval, the release at
    // completion, the end with its write-off) are written by the API; the workflow writes only
    // before continuing as new, when Temporal suggests it.
    const usual = activities.filter((a) => !(a.suggested && /^project v\d+: /.test(a.summary)));
    expect(usual.map((a) => [a.name, a.summary])).toEqual([['allocateTasks', '']]);
    // All of it arrived: the hold and its release, the write-off, the read model.
    const ledger = await h.db('hour_ledger').where({ request_id: id }).orderBy('id');
    expect(ledger.map((r: { kind: string }) => r.kind)).toEqual(['reservation', 'release', 'writeoff']);
    expect(await h.db('task_assignments').where({ request_id: id }).first()).toMatchObject({ status: 'released', hours: 2.25 });
    await expectReadModelEqualsWorkflow(h, id);
  });

  it('one durable timer for every moment that matters: a request whose deadlines lie beyond its flush sets one timer for all of them', async () => {
    // Filed, triaged, decomposed, estimated, approved: the triage, estimate and approval moments all lie hours ahead.
    const id = await f.executing(2);
    const events = (await (await requestHandle(h, id)).fetchHistory()).events ?? [];
    expect(events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined).toBeUndefined();
    const timers = events.flatMap((e) => (e.timerStartedEventAttributes ? [Number(String(e.timerStartedEventAttributes.startToFireTimeout?.seconds ?? 0))] : []));
    // One: the flush, 30 s after the intake's answer; each later moment is past it, so the loop sets its timer once the flush has rung.
    expect(timers).toHaveLength(1);
    expect(timers[0]).toBeGreaterThan(25);
    expect(timers[0]).toBeLessThanOrEqual(30);
    // The moments are kept all the same: the read model shows the next deadline.
    const row = await h.db('requests').where({ id }).first<{ stage: string; deadline_at: Date | null }>('stage', 'deadline_at');
    expect(row?.stage).toBe('Execution');
  });

  it(`the records a request holds stay under ${RECORDS_HANDED_OUT} however many actions it answers`, async () => {
    const id = await f.executing(200);
    const handle = await requestHandle(h, id);
    for (let i = 0; i < 120; i++) {
      const res = await h.post(`/requests/${id}/time`, co.backendSenior.token, { taskId: 'T1', minutes: 5, category: 'execution', note: `step ${i}` });
      expect(res.status).toBe(200);
      const s = await handle.query(stateQuery);
      expect(s.events.length + s.timeEntries.length + s.notifications.length + s.escalations.length).toBeLessThan(RECORDS_HANDED_OUT * 2);
    }
    expect(await h.db('time_entries').where({ request_id: id, minutes: 5 })).toHaveLength(120);
    await expectReadModelEqualsWorkflow(h, id);
  }, 120_000);
});
