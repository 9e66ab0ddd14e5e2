// Plain unit tests of the pure domain core: no Temporal, no database.
import { describe, expect, it } from 'vitest';
import {
  rolloverOf,
  ALWAYS_OPEN,
  DEFAULT_TIMING,
  apply,
  billability,
  billingOf,
  check,
  intake,
  monthOf,
  riskBuffer,
  type Actor,
  type Command,
  type RequestContext,
  type RequestState,
} from '../src/domain';

const ctx: RequestContext = { calendar: ALWAYS_OPEN, policy: DEFAULT_TIMING };

const client: Actor = { id: 'c1', role: 'client', clientId: 'org1' };
const otherClient: Actor = { id: 'c2', role: 'client', clientId: 'org2' };
const manager: Actor = { id: 'm1', role: 'manager' };
const otherManager: Actor = { id: 'm2', role: 'manager' };
const head: Actor = { id: 'h1', role: 'head' };
const sam: Actor = { id: 's1', role: 'specialist' };
const fran: Actor = { id: 's2', role: 'specialist' };

let clock = 0;
const at = () => new Date(Date.UTC(2026, 10, 2, 9, 0, clock++)).toISOString();

function fresh(): RequestState {
  return intake({
    requestId: 'r1',
    clientId: 'org1',
    title: 'Export times out',
    description: 'details',
    priority: 'high',
    managerId: 'm1',
    createdBy: client,
    timeZone: 'UTC',
    at: at(),
  }, ctx);
}

/** Applies commands in order, failing the test on the first one `check` refuses. */
function run(state: RequestState, ...steps: [Actor, Command][]): RequestState {
  return steps.reduce((s, [actor, cmd]) => {
    const rejection = check(s, actor, cmd);
    if (rejection) throw new Error(`${cmd.type} refused: ${rejection.message}`);
    return apply(s, actor, cmd, at(), ctx);
  }, state);
}

const decomposed = () =>
  run(
    fresh(),
    [manager, { type: 'triage', decision: 'delegate' }],
    [
      manager,
      {
        type: 'decompose',
        brief: 'Make the export stream.',
        tasks: [
          { title: 'query', skill: 'backend', assigneeId: 's1' },
          { title: 'progress bar', skill: 'frontend', assigneeId: 's2' },
        ],
      },
    ],
  );

const approved = () =>
  run(
    decomposed(),
    [sam, { type: 'estimate', taskId: 'T1', hours: 6, complexity: 'medium' }],
    [fran, { type: 'estimate', taskId: 'T2', hours: 2, complexity: 'low' }],
    [client, { type: 'approveEstimate' }],
  );

describe('request state machine', () => {
  it('R1 intake records the responsible manager and starts in triage', () => {
    const s = fresh();
    expect(s).toMatchObject({ stage: 'Triage', managerId: 'm1', version: 1 });
    expect(s.events.map((e) => e.type)).toEqual(['intake']);
  });

  it('R2 a manager resolving the request himself sends it to the client for confirmation', () => {
    const s = run(fresh(), [manager, { type: 'triage', decision: 'resolve', resolution: 'Invoice resent.' }]);
    expect(s).toMatchObject({ stage: 'ClientReview', path: 'manager', resolution: 'Invoice resent.' });
  });

  it('R2 only the request manager or the head triages', () => {
    const cmd: Command = { type: 'triage', decision: 'delegate' };
    expect(check(fresh(), otherManager, cmd)?.code).toBe('forbidden');
    expect(check(fresh(), sam, cmd)?.code).toBe('forbidden');
    expect(check(fresh(), client, cmd)?.code).toBe('forbidden');
    expect(check(fresh(), head, cmd)).toBeUndefined();
  });

  it('R4 no task without a brief and a required skill', () => {
    const s = run(fresh(), [manager, { type: 'triage', decision: 'delegate' }]);
    expect(check(s, manager, { type: 'decompose', brief: ' ', tasks: [{ title: 'x', skill: 'backend' }] })?.code).toBe('invalid');
    expect(check(s, manager, { type: 'decompose', brief: 'b', tasks: [{ title: 'x', skill: '' }] })?.code).toBe('invalid');
    expect(check(s, manager, { type: 'decompose', brief: 'b', tasks: [] })?.code).toBe('invalid');
  });

  it('R5 decomposition gives each task its own id, assignee and status', () => {
    const s = decomposed();
    expect(s.stage).toBe('Estimation');
    expect(s.tasks.map((t) => [t.id, t.assigneeId, t.status])).toEqual([
      ['T1', 's1', 'estimating'],
      ['T2', 's2', 'estimating'],
    ]);
  });

  it('R13 only the assignee estimates, and the request waits until every task is estimated', () => {
    const s = decomposed();
    expect(check(s, fran, { type: 'estimate', taskId: 'T1', hours: 3, complexity: 'low' })?.code).toBe('forbidden');
    const one = run(s, [sam, { type: 'estimate', taskId: 'T1', hours: 6, complexity: 'medium' }]);
    expect(one.stage).toBe('Estimation');
    expect(one.tasks[0]).toMatchObject({ estimateHours: 6, bufferHours: 1.25, status: 'estimated' });
    const both = run(one, [fran, { type: 'estimate', taskId: 'T2', hours: 2, complexity: 'low' }]);
    expect(both).toMatchObject({ stage: 'ClientApproval', estimateTotalHours: 9.5 });
  });

  it('R14 only the request client approves; rejecting sends it back to estimation with the comment', () => {
    const s = run(
      decomposed(),
      [sam, { type: 'estimate', taskId: 'T1', hours: 6, complexity: 'medium' }],
      [fran, { type: 'estimate', taskId: 'T2', hours: 2, complexity: 'low' }],
    );
    expect(check(s, otherClient, { type: 'approveEstimate' })?.code).toBe('forbidden');
    expect(check(s, manager, { type: 'approveEstimate' })?.code).toBe('forbidden');
    const rejected = run(s, [client, { type: 'rejectEstimate', comment: 'too much', next: 'reestimate' }]);
    expect(rejected.stage).toBe('Estimation');
    expect(rejected.tasks.every((t) => t.status === 'estimating' && t.estimateHours === undefined)).toBe(true);
    expect(rejected.estimateRejections.map((r) => r.comment)).toEqual(['too much']);
    const cancelled = run(s, [client, { type: 'rejectEstimate', comment: 'not worth it', next: 'cancel' }]);
    expect(cancelled.stage).toBe('Cancelled');
  });

  it('R14 approval fixes each task budget and starts execution', () => {
    const s = approved();
    expect(s.stage).toBe('Execution');
    expect(s.tasks.map((t) => [t.approvedHours, t.status])).toEqual([
      [7.25, 'in_progress'],
      [2.25, 'in_progress'],
    ]);
  });

  it('R15 execution moves to internal review when every task is done', () => {
    const one = run(approved(), [sam, { type: 'completeTask', taskId: 'T1', result: 'done' }]);
    expect(one.stage).toBe('Execution');
    expect(check(one, sam, { type: 'completeTask', taskId: 'T1', result: 'again' })?.code).toBe('conflict');
    const both = run(one, [fran, { type: 'completeTask', taskId: 'T2', result: 'done' }]);
    expect(both.stage).toBe('InternalReview');
  });

  it('R19 the manager returns a result only with a reason, and only the named tasks go back to work', () => {
    const s = run(
      approved(),
      [sam, { type: 'completeTask', taskId: 'T1', result: 'done' }],
      [fran, { type: 'completeTask', taskId: 'T2', result: 'done' }],
    );
    expect(check(s, manager, { type: 'rework', reason: ' ' })?.code).toBe('invalid');
    expect(check(s, client, { type: 'rework', reason: 'not yet yours' })?.code).toBe('forbidden');
    const back = run(s, [manager, { type: 'rework', reason: 'no test', taskIds: ['T2'] }]);
    expect(back).toMatchObject({ stage: 'Execution', reworkCount: 1 });
    expect(back.tasks.map((t) => [t.status, t.reworkCount])).toEqual([
      ['done', 0],
      ['in_progress', 1],
    ]);
  });

  it('R20 the client asks for changes in client review, and a change of scope needs a new approval', () => {
    const review = run(
      approved(),
      [sam, { type: 'completeTask', taskId: 'T1', result: 'done' }],
      [fran, { type: 'completeTask', taskId: 'T2', result: 'done' }],
      [manager, { type: 'acceptResult' }],
    );
    expect(run(review, [client, { type: 'rework', reason: 'wrong colour' }]).stage).toBe('Execution');
    const scoped = run(review, [
      manager,
      { type: 'changeScope', reason: 'client wants XLSX too', tasks: [{ title: 'xlsx', skill: 'backend', assigneeId: 's1' }] },
    ]);
    expect(scoped.stage).toBe('Estimation');
    const reapproval = run(scoped, [sam, { type: 'estimate', taskId: 'T3', hours: 4, complexity: 'low' }]);
    expect(reapproval).toMatchObject({ stage: 'ClientApproval', estimateTotalHours: 4.5 });
    const back = run(reapproval, [client, { type: 'approveEstimate' }]);
    expect(back.stage).toBe('Execution');
    expect(back.tasks.map((t) => t.status)).toEqual(['done', 'done', 'in_progress']);
  });

  it('R21 closure needs the client, or the manager with a note of the client confirmation', () => {
    const s = run(fresh(), [manager, { type: 'triage', decision: 'resolve', resolution: 'ok' }]);
    expect(check(s, sam, { type: 'confirmClosure' })?.code).toBe('forbidden');
    expect(check(s, otherClient, { type: 'confirmClosure' })?.code).toBe('forbidden');
    expect(check(s, manager, { type: 'confirmClosure' })?.code).toBe('invalid');
    expect(run(s, [manager, { type: 'confirmClosure', note: 'by e-mail' }]).stage).toBe('Closed');
    const closed = run(s, [client, { type: 'confirmClosure' }]);
    expect(closed.stage).toBe('Closed');
    expect(check(closed, client, { type: 'cancel', reason: 'late' })?.code).toBe('conflict');
  });

  it('R25 the client or the manager may cancel before closure; a specialist may not', () => {
    expect(check(approved(), sam, { type: 'cancel', reason: 'x' })?.code).toBe('forbidden');
    expect(run(approved(), [client, { type: 'cancel', reason: 'no longer needed' }])).toMatchObject({
      stage: 'Cancelled',
      cancellation: { by: 'c1', reason: 'no longer needed' },
    });
  });

  it('every accepted command bumps the version and leaves an audit event', () => {
    const s = approved();
    expect(s.version).toBe(s.events.length);
    expect(s.events.map((e) => e.seq)).toEqual(s.events.map((_, i) => i + 1));
  });

  it('R22 only people on the request log time, and billability is decided by the rules', () => {
    const s = approved();
    expect(check(s, client, { type: 'logTime', minutes: 5, category: 'communication', note: '' })?.code).toBe('forbidden');
    expect(check(s, { id: 's9', role: 'specialist' }, { type: 'logTime', minutes: 5, category: 'execution', note: '' })?.code).toBe(
      'forbidden',
    );
    const logged = run(s, [sam, { type: 'logTime', taskId: 'T1', minutes: 90, category: 'execution', note: 'query' }]);
    expect(logged.timeEntries[0]).toMatchObject({ personId: 's1', minutes: 90, billable: true, taskId: 'T1' });
  });
});

describe('policies', () => {
  it.each([
    [6, 'medium', 1.25],
    [2, 'low', 0.25],
    [10, 'high', 3.5],
    [20, 'low', 4], // large work: 10 % + 10 %
    [40, 'high', 18],
  ] as const)('R13 risk buffer of %s h at %s complexity is %s h', (hours, complexity, buffer) => {
    expect(riskBuffer(hours, complexity)).toBe(buffer);
  });

  it.each([
    ['communication', 'manager', 10, false],
    ['communication', 'manager', 15, true],
    ['consultation', 'manager', 5, true],
    ['analysis', 'manager', 30, true],
    ['mentoring', 'specialist', 60, false],
    ['rework', 'specialist', 60, false],
    ['review', 'manager', 30, false],
    ['execution', 'specialist', 60, true],
  ] as const)('R2 %s by a %s for %s min is billable: %s', (category, role, minutes, billable) => {
    expect(billability(category, role, minutes).billable).toBe(billable);
  });

  it('R23 a task bills min(actual, approved budget); time on the request bills as spent', () => {
    const s = run(
      approved(),
      [sam, { type: 'logTime', taskId: 'T1', minutes: 600, category: 'execution', note: 'overran' }],
      [fran, { type: 'logTime', taskId: 'T2', minutes: 60, category: 'execution', note: 'early' }],
      [manager, { type: 'logTime', minutes: 30, category: 'consultation', note: 'advice' }],
      [manager, { type: 'logTime', minutes: 10, category: 'communication', note: 'quick' }],
    );
    // T1: 10 h spent, 7.25 h budget → 7.25; T2: 1 h; request: 0.5 h consultation; the quick call is free.
    expect(billingOf(s).billableHours).toBe(8.75);
  });

  it.each([
    ['2026-01-31T23:30:00Z', 'Europe/Berlin', '2026-02-01'],
    ['2026-01-31T23:30:00Z', 'UTC', '2026-01-01'],
    ['2026-03-01T03:00:00Z', 'America/New_York', '2026-02-01'],
  ])('R24 %s in %s falls in the month starting %s', (instant, tz, month) => {
    expect(monthOf(instant, tz)).toBe(month);
  });
});

describe('#16 rollover of unused hours', () => {
  const month = { period: '2026-09-01', next: '2026-10-01', included: 10 };
  it.each([
    ['none rolls nothing', { mode: 'none' } as const, [], 7, []],
    ['nothing free rolls nothing', { mode: 'all', months: 3 } as const, [], 0, []],
    ['all, the free hours newest first', { mode: 'all', months: 3 } as const, [{ origin: '2026-08-01', hours: 4 }], 12, [{ origin: '2026-08-01', hours: 2 }, { origin: '2026-09-01', hours: 10 }]],
    ['hours used come from the oldest first', { mode: 'all', months: 3 } as const, [{ origin: '2026-08-01', hours: 4 }], 10, [{ origin: '2026-09-01', hours: 10 }]],
    ['a rolled hour lapses after its months', { mode: 'all', months: 1 } as const, [{ origin: '2026-08-01', hours: 4 }], 14, [{ origin: '2026-09-01', hours: 10 }]],
    ['without end when months is null', { mode: 'all', months: null } as const, [{ origin: '2025-01-01', hours: 4 }], 14, [{ origin: '2025-01-01', hours: 4 }, { origin: '2026-09-01', hours: 10 }]],
    ['up to a cap, the newest kept', { mode: 'upTo', maxHours: 6, months: 3 } as const, [{ origin: '2026-08-01', hours: 4 }], 14, [{ origin: '2026-09-01', hours: 6 }]],
    ['up to a cap with room for older hours', { mode: 'upTo', maxHours: 12.5, months: 3 } as const, [{ origin: '2026-08-01', hours: 4 }], 14, [{ origin: '2026-08-01', hours: 2.5 }, { origin: '2026-09-01', hours: 10 }]],
  ] as const)('%s', (_name, rule, carriedIn, freeHours, expected) => {
    expect(rolloverOf(rule, { ...month, carriedIn: [...carriedIn], freeHours })).toEqual(expected);
  });
});
