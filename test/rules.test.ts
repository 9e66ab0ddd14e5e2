// The rules of one request (R2–R5, R10, R13–R21, R25) through the API, on the real Temporal dev
// server, worker and PostgreSQL. Timers run with short policy durations; nothing waits minutes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CALENDAR, DEFAULT_TIMING, addWorkingTime, type RequestState } from '../src/domain';
import { Flow, eventually, openCompany } from './support/flow';
import { TEST_CONTEXT, makeCompany, openHarness, type Company, type Harness, requestHandle, workflowIdFor } from './support/harness';

let h: Harness;
let co: Company;
let f: Flow;

beforeAll(async () => {
  ({ h, co, f } = await openCompany());
});
afterAll(async () => h?.close());

const escalations = (requestId: string) =>
  h.db('escalations').where({ request_id: requestId }).orderBy('raised_at') as Promise<{ kind: string; owner_role: string; owner_id: string | null; task_id: string | null }[]>;
const notifications = (requestId: string) =>
  h.db('notifications').where({ request_id: requestId }).orderBy('created_at') as Promise<{ kind: string; recipient_role: string; recipient_id: string | null; text: string }[]>;
const ledger = (requestId: string) => h.db('hour_ledger').where({ request_id: requestId, kind: 'writeoff' }).first<{ hours: number } | undefined>();

describe('triage, brief and decomposition', () => {
  it('R2 a manager quick answer is not billable, consultation and analysis are', async () => {
    const id = await f.file('Which plan are we on?');
    await f.act(`/requests/${id}/time`, co.manager, { minutes: 10, category: 'communication', note: 'quick answer' });
    await f.act(`/requests/${id}/time`, co.manager, { minutes: 45, category: 'consultation', note: 'advice on the plan' });
    await f.act(`/requests/${id}/time`, co.manager, { minutes: 30, category: 'analysis', note: 'usage analysis' });
    await f.act(`/requests/${id}/triage`, co.manager, { decision: 'resolve', resolution: 'You are on the 40 h plan.' });
    await f.act(`/requests/${id}/confirm-closure`, co.client);
    const entries = await h.db('time_entries').where({ request_id: id }).orderBy('logged_at');
    expect(entries.map((e: { billable: boolean; billable_reason: string }) => [e.billable, e.billable_reason])).toEqual([
      [false, 'quick answer under 15 min'],
      [true, 'consultation is billable'],
      [true, 'analysis is billable'],
    ]);
    await eventually(() => ledger(id), (l) => l !== undefined, 'the write-off');
    expect((await ledger(id))?.hours).toBe(1.25);
  });

  it('R3 a triage deadline that passes escalates to the head on its own', async () => {
    const fast = await openHarness({ context: { ...TEST_CONTEXT, policy: { ...DEFAULT_TIMING, triageSlaMs: { critical: 1000, high: 1000, normal: 1000, low: 1000 } } } });
    try {
      const created = await fast.post('/requests', co.client.token, { title: 'Site down', description: 'Nothing loads.', priority: 'critical' });
      expect(created.status).toBe(201);
      const id = (created.body as RequestState).requestId;
      const rows = await eventually(() => escalations(id), (r) => r.length > 0, 'a triage escalation');
      expect(rows[0]).toMatchObject({ kind: 'triage_overdue', owner_role: 'head', owner_id: null });
      const inbox = await h.get('/inbox?unread=true', co.head.token);
      expect(inbox.body.items.some((n: { requestId: string; kind: string }) => n.requestId === id && n.kind === 'escalation.triage_overdue')).toBe(true);
      const open = await h.get('/escalations', co.head.token);
      const mine = open.body.items.find((e: { requestId: string }) => e.requestId === id);
      expect(mine).toMatchObject({ kind: 'triage_overdue', acknowledgedAt: null });
      expect((await h.post(`/escalations/${mine.id}/acknowledge`, co.head.token)).status).toBe(204);
      expect((await h.post(`/escalations/${mine.id}/acknowledge`, co.head.token)).status).toBe(404);
      // Triage after the escalation still works, and no second escalation follows.
      await f.act(`/requests/${id}/triage`, co.manager, { decision: 'delegate' });
      expect(await escalations(id)).toHaveLength(1);
    } finally {
      await fast.close();
    }
  });

  it('R4 no task reaches a specialist without a brief: nobody is notified before decomposition', async () => {
    const id = await f.file();
    await f.act(`/requests/${id}/triage`, co.manager, { decision: 'delegate' });
    expect((await notifications(id)).filter((n) => n.recipient_role === 'specialist')).toEqual([]);
    await f.act(`/requests/${id}/decompose`, co.manager, { brief: 'Make it fast.', tasks: [{ title: 'Fix', skill: co.skills.backend }] });
    const toSpecialists = (await notifications(id)).filter((n) => n.recipient_role === 'specialist');
    expect(toSpecialists.map((n) => n.kind)).toEqual(['task.assigned']);
  });

  it('R5 each task has its own assignee, estimate and progress; tasks are added later; the request moves on when its tasks do', async () => {
    const id = await f.decomposed([
      { title: 'API', skill: co.skills.backend, assigneeId: co.backendSenior.id },
      { title: 'UI', skill: co.skills.frontend },
    ]);
    await f.act(`/requests/${id}/tasks/T1/estimate`, co.backendSenior, { hours: 2, complexity: 'low' });
    expect((await f.state(id)).stage).toBe('Estimation');
    await f.act(`/requests/${id}/tasks/T2/estimate`, co.frontendSenior, { hours: 1, complexity: 'low' });
    await f.act(`/requests/${id}/approve`, co.client);
    const progressed = await f.act(`/requests/${id}/tasks/T2/progress`, co.frontendSenior, { percent: 50 });
    expect(progressed.tasks.map((t) => [t.id, t.assigneeId, t.estimateHours, t.progress])).toEqual([
      ['T1', co.backendSenior.id, 2, 0],
      ['T2', co.frontendSenior.id, 1, 50],
    ]);
    expect((await h.db('tasks').where({ request_id: id, task_id: 'T2' }).first()).progress).toBe(50);

    const scope = await h.post(`/requests/${id}/scope`, co.manager.token, { reason: 'also export', tasks: [{ title: 'Export', skill: co.skills.backend }] });
    expect(scope.status).toBe(202);
    const added = await eventually(() => f.state(id), (s) => s.tasks.length === 3, 'the added task');
    expect(added.stage).toBe('Estimation');
    await f.act(`/requests/${id}/tasks/T3/estimate`, added.tasks[2]?.assigneeId === co.backendSenior.id ? co.backendSenior : co.backendJunior, { hours: 1, complexity: 'low' });
  });
});

describe('estimate and approval', () => {
  it('R10 a junior estimate and result are checked by the senior mentor before the manager and client see them', async () => {
    const id = await f.decomposed([{ title: 'Query', skill: co.skills.backend, assigneeId: co.backendJunior.id }]);
    const s = await f.act(`/requests/${id}/tasks/T1/estimate`, co.backendJunior, { hours: 3, complexity: 'medium' });
    expect(s.tasks[0]).toMatchObject({ status: 'estimate_review', mentorId: co.backendSenior.id });
    expect(s.stage).toBe('Estimation');
    // Only the mentor checks it (to anyone else off the request it does not exist); the client sees nothing yet.
    await f.act(`/requests/${id}/tasks/T1/estimate-review`, co.frontendSenior, { verdict: 'approve' }, 404);
    await f.act(`/requests/${id}/tasks/T1/estimate-review`, co.backendJunior, { verdict: 'approve' }, 403);
    expect((await notifications(id)).some((n) => n.kind === 'estimate.ready')).toBe(false);
    const returned = await f.act(`/requests/${id}/tasks/T1/estimate-review`, co.backendSenior, { verdict: 'return', comment: 'forgot the migration' });
    expect(returned.tasks[0]?.status).toBe('estimating');
    await f.act(`/requests/${id}/tasks/T1/estimate`, co.backendJunior, { hours: 5, complexity: 'medium' });
    const approved = await f.act(`/requests/${id}/tasks/T1/estimate-review`, co.backendSenior, { verdict: 'approve' });
    expect(approved).toMatchObject({ stage: 'ClientApproval', estimateTotalHours: 6 });

    await f.act(`/requests/${id}/approve`, co.client);
    const done = await f.act(`/requests/${id}/tasks/T1/complete`, co.backendJunior, { result: 'Query rewritten.' });
    expect(done.tasks[0]?.status).toBe('result_review');
    expect(done.stage).toBe('Execution');
    const checked = await f.act(`/requests/${id}/tasks/T1/result-review`, co.backendSenior, { verdict: 'approve' });
    expect(checked.stage).toBe('InternalReview');
  });

  it('R13 the specialist asks, the manager asks the client, the SLA clock pauses on the client, the answer is relayed, then the estimate carries the policy buffer', async () => {
    const id = await f.decomposed();
    const asked = await f.act(`/requests/${id}/questions`, co.backendSenior, { taskId: 'T1', text: 'Which report exactly?' });
    expect(asked.questions[0]).toMatchObject({ id: 'Q1', status: 'open', askedBy: co.backendSenior.id });
    await f.act(`/requests/${id}/tasks/T1/estimate`, co.backendSenior, { hours: 2, complexity: 'low' }, 409);

    const toClient = await f.act(`/requests/${id}/questions/Q1/ask-client`, co.manager, { text: 'Which report is slow: sales or stock?' });
    expect(toClient.slaPauses).toEqual([expect.objectContaining({ waitingOn: 'client' })]);
    expect(toClient.slaPauses[0]?.to).toBeUndefined();
    const answered = await f.act(`/requests/${id}/questions/Q1/client-answer`, co.client, { answer: 'The stock report.' });
    expect(answered.questions[0]).toMatchObject({ status: 'answered', answer: 'The stock report.' });
    expect(answered.slaPauses[0]?.to).toBeDefined();
    const relayed = await h.get('/inbox', co.backendSenior.token);
    expect(relayed.body.items.some((n: { requestId: string; kind: string; text: string }) => n.requestId === id && n.kind === 'question.answered' && n.text.includes('stock'))).toBe(true);

    const estimated = await f.act(`/requests/${id}/tasks/T1/estimate`, co.backendSenior, { hours: 20, complexity: 'high' });
    // 35 % for high complexity + 10 % for work above 16 h: 9 h of buffer.
    expect(estimated.tasks[0]).toMatchObject({ estimateHours: 20, bufferHours: 9 });
    expect(estimated.estimateTotalHours).toBe(29);
  });

  it('R14 an estimate above the hours left needs the client to accept the overage; a rejection goes back to estimation with the comment', async () => {
    const id = await f.decomposed();
    await f.act(`/requests/${id}/tasks/T1/estimate`, co.backendSenior, { hours: 40, complexity: 'low' });
    const s = await f.state(id);
    expect(s.stage).toBe('ClientApproval');
    expect(s.hoursLeft).toBeLessThan(s.estimateTotalHours as number);
    const refused = await h.post(`/requests/${id}/approve`, co.client.token, {});
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('acceptOverage');

    const rejected = await f.act(`/requests/${id}/reject`, co.client, { comment: 'Too much; can it be smaller?', next: 'reestimate' });
    expect(rejected.stage).toBe('Estimation');
    expect(rejected.estimateRejections.map((r) => r.comment)).toEqual(['Too much; can it be smaller?']);
    await f.act(`/requests/${id}/tasks/T1/estimate`, co.backendSenior, { hours: 40, complexity: 'low' });
    const started = await f.act(`/requests/${id}/approve`, co.client, { acceptOverage: true });
    expect(started.stage).toBe('Execution');
    expect(started.overageAcceptedHours).toBeGreaterThan(0);
  });
});

describe('execution', () => {
  it('R15 the deadline is start + estimate on the working calendar of the client time zone', async () => {
    const calendar = { ...DEFAULT_CALENDAR, holidays: ['2026-12-24', '2026-12-25'] };
    const working = await openHarness({ context: { calendar, policy: DEFAULT_TIMING } });
    try {
      const wf = new Flow(working, co);
      const id = await wf.executing(6, 'medium');
      const s = await wf.state(id);
      const task = s.tasks[0];
      expect(task?.approvedHours).toBe(7.25);
      expect(s.timeZone).toBe('Europe/Berlin');
      expect(task?.deadlineAt).toBe(addWorkingTime(s.startedAt as string, 7.25 * 3600_000, { ...calendar, timeZone: 'Europe/Berlin' }));
      expect(s.deadlineAt).toBe(task?.deadlineAt);
      expect((await h.db('requests').where({ id }).first()).deadline_at.toISOString()).toBe(s.deadlineAt);
    } finally {
      await working.close();
    }
  });

  it('R16 a blocker reaches the manager at once; a new deadline is agreed with the client; the manager adds a specialist', async () => {
    const id = await f.executing();
    await f.act(`/requests/${id}/tasks/T1/blocker`, co.backendSenior, { description: 'No access to the replica.' });
    expect((await escalations(id)).map((e) => [e.kind, e.owner_role, e.owner_id])).toEqual([['blocker', 'manager', co.manager.id]]);
    const managerInbox = await h.get('/inbox?unread=true', co.manager.token);
    expect(managerInbox.body.items.some((n: { requestId: string; kind: string }) => n.requestId === id && n.kind === 'escalation.blocker')).toBe(true);

    const newDeadline = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const proposed = await f.act(`/requests/${id}/tasks/T1/deadline-proposal`, co.manager, {
      newDeadline,
      extraHours: 2,
      cause: 'client_side',
      note: 'Access to your replica is needed first.',
    });
    expect(proposed.proposals[0]).toMatchObject({ id: 'D1', status: 'pending' });
    const clientInbox = await h.get('/inbox', co.client.token);
    expect(clientInbox.body.items.some((n: { requestId: string; kind: string }) => n.requestId === id && n.kind === 'deadline.proposed')).toBe(true);
    const agreed = await f.act(`/requests/${id}/deadline-proposals/D1/answer`, co.client, { agree: true });
    expect(agreed.tasks[0]?.deadlineAt).toBe(newDeadline);
    expect(agreed.deadlineAt).toBe(newDeadline);

    const helped = await f.act(`/requests/${id}/tasks/T1/helpers`, co.manager, {});
    expect(helped.tasks[0]?.helperIds).toEqual([co.backendJunior.id]);
    await f.act(`/requests/${id}/time`, co.backendJunior, { taskId: 'T1', minutes: 60, category: 'execution', note: 'helped' });
  });

  it('R17 a deadline that passes without delivery escalates to the manager at once and to the head after the grace period', async () => {
    const fast = await openHarness({ context: { ...TEST_CONTEXT, policy: { ...DEFAULT_TIMING, deadlineGraceMs: 1500 } } });
    try {
      const ff = new Flow(fast, co);
      const id = await ff.executing();
      await ff.act(`/requests/${id}/tasks/T1/deadline-proposal`, co.manager, {
        newDeadline: new Date(Date.now() + 1500).toISOString(),
        cause: 'external',
        note: 'The vendor API is down; we need until it is back.',
      });
      await ff.act(`/requests/${id}/deadline-proposals/D1/answer`, co.client, { agree: true });
      const rows = await eventually(() => escalations(id), (r) => r.length >= 2, 'both escalations');
      expect(rows.map((e) => [e.kind, e.owner_role, e.task_id])).toEqual([
        ['deadline_missed', 'manager', 'T1'],
        ['deadline_unresolved', 'head', 'T1'],
      ]);
      const desc = await (await requestHandle(h, id)).describe();
      expect(desc.searchAttributes.Overdue).toEqual([true]);
    } finally {
      await fast.close();
    }
  });

  it('R18 hours over the budget for an objective cause are billed once agreed; internal overruns are not', async () => {
    const objective = await f.executing(2, 'low'); // 2 h + 0.25 h buffer
    await f.act(`/requests/${objective}/tasks/T1/deadline-proposal`, co.manager, {
      newDeadline: new Date(Date.now() + 86_400_000).toISOString(),
      extraHours: 3,
      cause: 'client_side',
      note: 'You changed the data format.',
    });
    const agreed = await f.act(`/requests/${objective}/deadline-proposals/D1/answer`, co.client, { agree: true });
    expect(agreed.tasks[0]).toMatchObject({ approvedHours: 5.25, extensions: [expect.objectContaining({ hours: 3, objective: true })] });

    const internal = await f.executing(2, 'low');
    await f.act(`/requests/${internal}/tasks/T1/deadline-proposal`, co.manager, {
      newDeadline: new Date(Date.now() + 86_400_000).toISOString(),
      extraHours: 3,
      cause: 'wrong_estimate',
      note: 'We underestimated the migration.',
    });
    await f.act(`/requests/${internal}/deadline-proposals/D1/answer`, co.client, { agree: true });
    const moved = await f.state(internal);
    expect(moved.tasks[0]).toMatchObject({ approvedHours: 2.25, extensions: [expect.objectContaining({ hours: 3, objective: false })] });

    for (const id of [objective, internal]) {
      await f.act(`/requests/${id}/time`, co.backendSenior, { taskId: 'T1', minutes: 300, category: 'execution', note: '5 h' });
      await f.act(`/requests/${id}/tasks/T1/complete`, co.backendSenior, { result: 'Done.' });
      await f.act(`/requests/${id}/accept-result`, co.manager);
      await f.act(`/requests/${id}/confirm-closure`, co.client);
    }
    await eventually(() => ledger(internal), (l) => l !== undefined, 'the write-off');
    await eventually(() => ledger(objective), (l) => l !== undefined, 'the write-off');
    expect((await ledger(objective))?.hours).toBe(5);
    expect((await ledger(internal))?.hours).toBe(2.25);
  });
});

describe('review, delivery and closure', () => {
  it('R19 the manager returns a result only with a reason, the rework is counted, and the reason is recorded', async () => {
    const id = await f.executing();
    await f.act(`/requests/${id}/tasks/T1/complete`, co.backendSenior, { result: 'Done.' });
    expect((await h.post(`/requests/${id}/rework`, co.manager.token, {})).status).toBe(400);
    expect((await h.post(`/requests/${id}/rework`, co.manager.token, { reason: '  ' })).status).toBe(400);
    expect((await h.post(`/requests/${id}/rework`, co.manager.token, { reason: 'The totals are off by one day.' })).status).toBe(202);
    const back = await eventually(() => f.state(id), (s) => s.stage === 'Execution', 'rework');
    expect(back.reworkCount).toBe(1);
    expect(back.tasks[0]?.reworkCount).toBe(1);
    const events = await eventually(
      () => h.db('audit_events').where({ request_id: id, type: 'rework' }) as Promise<{ detail: unknown }[]>,
      (rows) => rows.length > 0,
      'the rework event in the read model',
    );
    expect(events[0]?.detail).toEqual({ reason: 'The totals are off by one day.' });
  });

  it('R20 the client asks for in-scope changes (rework) or out-of-scope work becomes a new request linked both ways', async () => {
    const id = await f.inClientReview();
    expect((await h.post(`/requests/${id}/rework`, co.client.token, { reason: 'Please add the totals row.' })).status).toBe(202);
    await eventually(() => f.state(id), (s) => s.stage === 'Execution', 'client rework');
    await f.act(`/requests/${id}/tasks/T1/complete`, co.backendSenior, { result: 'Totals added.' });
    await f.act(`/requests/${id}/accept-result`, co.manager);

    const linked = await f.act(`/requests/${id}/linked-requests`, co.manager, { title: 'Monthly PDF export', description: 'Out of scope of the report fix.' });
    const childId = linked.linked[0] as string;
    expect(childId).toBeDefined();
    const child = await eventually(() => h.get(`/requests/${childId}`, co.client.token), (r) => r.status === 200, 'the linked request');
    expect(child.body).toMatchObject({ linkedFrom: id, stage: 'Triage', clientId: co.clientId, title: 'Monthly PDF export' });
    expect((await h.db('requests').where({ id: childId }).first()).linked_from).toBe(id);
    await f.act(`/requests/${id}/confirm-closure`, co.client);
    // The parent closing leaves the linked request running.
    expect((await h.get(`/requests/${childId}`, co.manager.token)).body.stage).toBe('Triage');
  });

  it('R21 a silent client gets reminders and nothing closes on its own without the subscription policy', async () => {
    const fast = await openHarness({ context: { ...TEST_CONTEXT, policy: { ...DEFAULT_TIMING, clientReminderEveryMs: 700, clientReminderMax: 2 } } });
    try {
      const id = await new Flow(fast, co).inClientReview();
      const reminders = await eventually(
        async () => (await notifications(id)).filter((n) => n.kind === 'review.reminder'),
        (r) => r.length === 2,
        'two reminders',
      );
      expect(reminders.every((n) => n.recipient_role === 'client')).toBe(true);
      await new Promise((r) => setTimeout(r, 1000));
      expect((await notifications(id)).filter((n) => n.kind === 'review.reminder')).toHaveLength(2);
      expect((await f.state(id)).stage).toBe('ClientReview');
    } finally {
      await fast.close();
    }
  });

  it('R21 the request closes on its own after the silent days the subscription provides', async () => {
    const fast = await openHarness({ context: { ...TEST_CONTEXT, policy: { ...DEFAULT_TIMING, dayMs: 1000 } } });
    try {
      const autoCo = await makeCompany(fast, { autoCloseAfterDays: 2 });
      const id = await new Flow(fast, autoCo).inClientReview();
      const closed = await eventually(() => f.state(id), (s) => s.stage === 'Closed', 'auto-close');
      expect(closed.closure).toMatchObject({ by: 'system', role: 'system' });
      expect(closed.autoCloseAfterDays).toBe(2);
    } finally {
      await fast.close();
    }
  });

  it('R25 the client cancels midway: approved work done is billed, specialists are released, timers end', async () => {
    const id = await f.executing(4);
    await f.act(`/requests/${id}/time`, co.backendSenior, { taskId: 'T1', minutes: 90, category: 'execution', note: 'half done' });
    const cancelled = await f.act(`/requests/${id}/cancel`, co.client, { reason: 'Budget cut.' });
    expect(cancelled.stage).toBe('Cancelled');
    expect(cancelled.tasks[0]?.status).toBe('cancelled');
    await (await requestHandle(h, id)).result();
    expect((await h.db('tasks').where({ request_id: id }).first()).status).toBe('cancelled');
    expect((await ledger(id))?.hours).toBe(1.5);
    const desc = await (await requestHandle(h, id)).describe();
    expect(desc.status.name).toBe('COMPLETED');
  });
});

describe('what people see', () => {
  it('the timeline tells the client their side and the staff everything', async () => {
    const id = await f.executing();
    await f.act(`/requests/${id}/time`, co.backendSenior, { taskId: 'T1', minutes: 30, category: 'execution', note: 'x' });
    await f.act(`/requests/${id}/tasks/T1/blocker`, co.backendSenior, { description: 'internal trouble' });
    const staff = await h.get(`/requests/${id}/timeline`, co.manager.token);
    const client = await h.get(`/requests/${id}/timeline`, co.client.token);
    expect(staff.body.items.map((e: { type: string }) => e.type)).toEqual(['intake', 'triage', 'decompose', 'estimate', 'approveEstimate', 'logTime', 'reportBlocker']);
    expect(client.body.items.map((e: { type: string }) => e.type)).toEqual(['intake', 'triage', 'decompose', 'approveEstimate']);
    expect(JSON.stringify(client.body)).not.toContain('internal trouble');
    expect((await h.get(`/requests/${id}/timeline`, co.otherClient.token)).status).toBe(404);
  });

  it('a long request continues as new when Temporal suggests it and carries its state over', async () => {
    const id = await f.executing();
    for (let i = 0; i < 30; i++) {
      await f.act(`/requests/${id}/time`, co.backendSenior, { taskId: 'T1', minutes: 5, category: 'execution', note: `slice ${i}` });
    }
    await f.act(`/requests/${id}/tasks/T1/complete`, co.backendSenior, { result: 'Done.' });
    await f.act(`/requests/${id}/accept-result`, co.manager);
    await f.act(`/requests/${id}/confirm-closure`, co.client);
    const closed = await f.state(id);
    expect(closed.stage).toBe('Closed');
    expect(closed.counters.timeEntries).toBe(30);
    expect(await f.entries(id)).toHaveLength(30);
    // Temporal's visibility lists a run a moment after it starts.
    const workflowId = await workflowIdFor(h, id);
    const listed = async () => {
      const runs: string[] = [];
      for await (const wf of h.temporal.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(wf.runId);
      return runs;
    };
    expect((await eventually(listed, (runs) => runs.length > 1, 'more than one run')).length).toBeGreaterThan(1);
    expect(await h.db('time_entries').where({ request_id: id }).count({ n: '*' })).toEqual([{ n: '30' }]);
    expect(await h.db('audit_events').where({ request_id: id }).count({ n: '*' })).toEqual([{ n: String(closed.counters.events) }]);
    await eventually(() => ledger(id), (l) => l !== undefined, 'the write-off');
    expect((await ledger(id))?.hours).toBe(2.5);
  });
});
