// No request can be frozen: bad input is refused at the edge and changes nothing; data that
// slips past it is flagged to a person instead of retried for ever; every call is bounded; one
// Idempotency-Key with two bodies is one action; the Temporal UI shows people's text as text.
import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activities } from '../src/activities';
import type { RequestState } from '../src/domain';
import { TASK_QUEUE, actionUpdates, intakeUpdate, requestWorkflowId, searchAttributes } from '../src/shared/contract';
import { requestWorkflow } from '../src/workflows';
import { Flow, eventually, openCompany } from './support/flow';
import { TEST_CONTEXT, openHarness, type Company, type Harness, requestHandle } from './support/harness';
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

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** Rows that any refused call could have touched, to compare before and after. */
async function footprint(requestId?: string) {
  const count = async (table: string, where: Record<string, string> = {}) => Number(((await h.db(table).where(where).count('* as n').first()) as { n: string }).n);
  return {
    requests: await count('requests'),
    staff: await count('staff'),
    absences: await count('staff_absences'),
    subscriptions: await count('subscriptions'),
    credentials: await count('api_credentials'),
    ...(requestId ? { events: await count('audit_events', { request_id: requestId }), entries: await count('time_entries', { request_id: requestId }) } : {}),
  };
}

describe('bad input is refused at the edge and changes nothing', () => {
  it('NUL characters, unpaired surrogates, year-0000 and past dates, odd numbers and edited cursors are 400; other media types 415', async () => {
    const id = await f.executing();
    const toEstimate = await f.decomposed();
    const before = await footprint(id);
    const cases: [string, string, string, object | string, number][] = [
      ['POST', '/requests', co.client.token, { title: 'NUL \u0000 here', description: 'd' }, 400],
      ['POST', '/requests', co.client.token, { title: 'lone \ud800 surrogate', description: 'd' }, 400],
      ['POST', '/requests', co.client.token, { title: 'ok', description: 'tail \udc00' }, 400],
      ['POST', `/requests/${id}/time`, co.backendSenior.token, { taskId: 'T1', minutes: 5, category: 'execution', note: 'a \u0000 b' }, 400],
      ['POST', `/requests/${id}/tasks/T1/deadline-proposal`, co.manager.token, { newDeadline: '0000-01-01T00:00:00Z', cause: 'client_side', note: 'n' }, 400],
      ['POST', `/requests/${id}/tasks/T1/deadline-proposal`, co.manager.token, { newDeadline: '2001-05-01T10:00:00Z', cause: 'client_side', note: 'n' }, 400],
      ['POST', `/requests/${id}/tasks/T1/deadline-proposal`, co.manager.token, { newDeadline: '9999-12-31T23:59:59Z', cause: 'client_side', note: 'n' }, 400],
      ['POST', `/requests/${id}/tasks/T1/deadline-proposal`, co.manager.token, { newDeadline: new Date(Date.now() + 86_400_000).toISOString(), extraHours: 0.1, cause: 'client_side', note: 'n' }, 400],
      ['POST', `/requests/${id}/time/01/correct`, co.backendSenior.token, { minutes: 1 }, 400],
      ['POST', `/requests/${id}/time/1.0/correct`, co.backendSenior.token, { minutes: 1 }, 400],
      ['POST', `/requests/${id}/time/0x1/correct`, co.backendSenior.token, { minutes: 1 }, 400],
      ['POST', `/requests/${id}/time/1e0/correct`, co.backendSenior.token, { minutes: 1 }, 400],
      ['POST', `/requests/${id}/tasks/T01/progress`, co.backendSenior.token, { percent: 10 }, 400],
      ['POST', `/admin/staff/${co.backendJunior.id}/absences`, co.head.token, { startsOn: '0000-01-01', endsOn: '0000-01-02', kind: 'vacation' }, 400],
      ['POST', `/admin/clients/${co.clientId}/subscriptions`, co.admin.token, { monthlyHours: 10, timezone: 'UTC', startsOn: '0000-01-01' }, 400],
      ['POST', `/admin/clients/${co.clientId}/subscriptions`, co.admin.token, { monthlyHours: 10.1, timezone: 'UTC', startsOn: '2026-01-01' }, 400],
      ['POST', '/admin/credentials', co.admin.token, { staffId: co.manager.id, label: 'x', expiresAt: '0000-01-01T00:00:00Z' }, 400],
      ['POST', '/admin/credentials', co.admin.token, { staffId: co.manager.id, label: 'x', expiresAt: '2020-01-01T00:00:00Z' }, 400],
      ['GET', `/clients/${co.clientId}/months/0000-01`, co.manager.token, {}, 400],
      ['GET', `/clients/${co.clientId}/statements/0000-01`, co.manager.token, {}, 400],
      ['GET', `/requests?cursor=${b64(['2026-01-01', 'not-a-uuid'])}`, co.manager.token, {}, 400],
      ['GET', `/requests?cursor=${b64(['0000-01-01T00:00:00Z', randomUUID()])}`, co.manager.token, {}, 400],
      ['GET', `/requests?cursor=${b64('garbage')}`, co.manager.token, {}, 400],
      ['GET', `/inbox?cursor=${b64('1|x')}`, co.manager.token, {}, 400],
      ['GET', `/inbox?cursor=${b64(['1', 'x'])}`, co.manager.token, {}, 400],
      ['POST', '/inbox/%00/read', co.manager.token, {}, 400],
      ['POST', '/escalations/%00x/acknowledge', co.manager.token, {}, 400],
      ['GET', '/requests/not-a-uuid', co.manager.token, {}, 400],
    ];
    const estimateOf = await h.post(`/requests/${toEstimate}/tasks/T1/estimate`, co.backendSenior.token, { hours: 1e-9, complexity: 'low' });
    expect(estimateOf.status, JSON.stringify(estimateOf.body)).toBe(400);
    const failures: string[] = [];
    for (const [method, path, token, body, status] of cases) {
      const res = method === 'GET' ? await h.get(path, token) : await h.post(path, token, body);
      if (res.status !== status || !String(res.headers['content-type']).startsWith('application/problem+json')) {
        failures.push(`${method} ${path} ${JSON.stringify(body).slice(0, 80)} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      }
    }
    const plainText = await h.http.post(`/requests/${id}/time`).set('Authorization', `Bearer ${co.backendSenior.token}`).set('Content-Type', 'text/plain').send('minutes=5');
    if (plainText.status !== 415) failures.push(`text/plain → ${plainText.status}`);
    const form = await h.http.post('/requests').set('Authorization', `Bearer ${co.client.token}`).type('form').send({ title: 't', description: 'd' });
    if (form.status !== 415) failures.push(`form → ${form.status}`);
    expect(failures).toEqual([]);
    expect(await footprint(id)).toEqual(before);
    await expectReadModelEqualsWorkflow(h, id);
  });
});

describe('data that slips past the edge freezes nothing', () => {
  it('a title PostgreSQL refuses: the request is taken in, flagged and escalated to its manager, and still takes actions', async () => {
    const requestId = randomUUID();
    const title = 'Bad \u0000 title from an old integration';
    const started = Date.now();
    const intake = await h.temporal.workflow.executeUpdateWithStart(intakeUpdate, {
      startWorkflowOperation: new WithStartWorkflowOperation(requestWorkflow, {
        workflowId: requestWorkflowId(requestId),
        taskQueue: TASK_QUEUE,
        args: [{ requestId, clientId: co.clientId, title, description: 'd', priority: 'normal', createdBy: { id: co.client.id, role: 'client', clientId: co.clientId }, context: TEST_CONTEXT }],
        workflowIdConflictPolicy: 'USE_EXISTING',
      }),
    });
    expect(intake.stage).toBe('Triage');
    expect(Date.now() - started).toBeLessThan(15_000);

    const escalations = await eventually(() => h.db('escalations').where({ request_id: requestId, kind: 'data_rejected' }), (rows) => rows.length === 1, 'the escalation');
    expect(escalations[0]).toMatchObject({ owner_role: 'manager', owner_id: co.manager.id });
    expect(String(escalations[0].cause)).toMatch(/22P05|invalid|unsupported/i);
    const row = await h.db('requests').where({ id: requestId }).first();
    expect(row.stage).toBe('Triage');
    expect(row.attention_reason).toMatch(/could not be saved/);
    expect(row.title).toBe(title.replace('\u0000', ''));
    const described = await (await requestHandle(h, requestId)).describe();
    expect(described.typedSearchAttributes.get(searchAttributes.needsAttention)).toBe(true);
    const flagged = await h.get('/requests?needsAttention=true&limit=100', co.manager.token);
    expect(flagged.body.items.map((i: { requestId: string; needsAttention: boolean }) => [i.requestId, i.needsAttention])).toContainEqual([requestId, true]);
    const inbox = await h.get('/inbox', co.manager.token);
    expect(inbox.body.items.map((n: { kind: string }) => n.kind)).toContain('escalation.data_rejected');
    const head = await h.get('/escalations?state=open', co.head.token);
    expect(head.status).toBe(200);

    // It still takes actions, each answered, and the escalation is raised once, not per action.
    const triaged = await h.post(`/requests/${requestId}/triage`, co.manager.token, { decision: 'delegate' });
    expect(triaged.status, JSON.stringify(triaged.body)).toBe(200);
    expect((await h.db('requests').where({ id: requestId }).first()).stage).toBe('Decomposition');
    expect(await h.db('escalations').where({ request_id: requestId, kind: 'data_rejected' })).toHaveLength(1);
    const cancelled = await h.post(`/requests/${requestId}/cancel`, co.manager.token, { reason: 'filed by mistake' });
    expect(cancelled.status).toBe(200);
    await eventually(async () => (await h.db('requests').where({ id: requestId }).first()).stage as string, (s) => s === 'Cancelled', 'the cancellation in the read model');
  });

  it('a deadline of year 0000 sent past the API: the agreement is answered, flagged, and the request goes on', async () => {
    const id = await f.executing();
    const handle = (await requestHandle(h, id));
    await handle.executeUpdate(actionUpdates.proposeDeadline, {
      args: [{ actor: { id: co.manager.id, role: 'manager' }, command: { type: 'proposeDeadline', taskId: 'T1', newDeadline: '0000-01-01T00:00:00Z', extraHours: 0, cause: 'external', note: 'n' } }],
    });
    const agreed = await h.post(`/requests/${id}/deadline-proposals/D1/answer`, co.client.token, { agree: true });
    expect(agreed.status, JSON.stringify(agreed.body)).toBe(200);
    await eventually(() => h.db('escalations').where({ request_id: id, kind: 'data_rejected' }), (rows) => rows.length === 1, 'the escalation');
    const logged = await h.post(`/requests/${id}/time`, co.backendSenior.token, { taskId: 'T1', minutes: 30, category: 'execution' });
    expect(logged.status).toBe(200);
    const entries = await h.db('time_entries').where({ request_id: id });
    expect(entries.map((e: { minutes: number }) => e.minutes)).toEqual([30]);
    expect((await h.db('requests').where({ id }).first()).version).toBe((await f.state(id)).version);
  });
});

describe('every call is bounded', () => {
  it('an action the workflow cannot answer in time gets 503 with Retry-After, and its retry is answered once, applied once', async () => {
    let slow = false;
    const slowHarness = await openHarness({
      updateWaitMs: 1500,
      // The decomposition waits for the tasks' allocation (an activity): that is what is slowed here.
      wrapActivities: (acts: Activities): Activities => ({
        ...acts,
        allocateTasks: async (input) => {
          if (slow) await new Promise((r) => setTimeout(r, 4000));
          return acts.allocateTasks(input);
        },
      }),
    });
    try {
      const slowFlow = new Flow(slowHarness, co);
      const id = await slowFlow.delegated();
      const before = (await slowFlow.state(id)).version;
      slow = true;
      const body = { brief: 'Make it fast.', tasks: [{ title: 'Fix it', skill: co.skills.backend, assigneeId: co.backendSenior.id }] };
      const started = Date.now();
      const first = await slowHarness.post(`/requests/${id}/decompose`, co.manager.token, body).set('Idempotency-Key', 'slow-1');
      expect(first.status).toBe(503);
      expect(first.headers['retry-after']).toBeDefined();
      expect(Date.now() - started).toBeLessThan(4000);
      slow = false;
      const retried = await eventually(
        async () => slowHarness.post(`/requests/${id}/decompose`, co.manager.token, body).set('Idempotency-Key', 'slow-1'),
        (r) => r.status === 200,
        'the retry answered',
      );
      expect(retried.body as RequestState).toMatchObject({ stage: 'Estimation', version: before + 1 });
      expect((await slowHarness.db('requests').where({ id }).first()).version).toBe(before + 1);
      expect(await slowHarness.db('tasks').where({ request_id: id })).toHaveLength(1);
    } finally {
      await slowHarness.close();
    }
  });
});

describe('one Idempotency-Key, two bodies', () => {
  it('sent in parallel 50 times: exactly one body is applied, every other answer is 422 or the same replay', async () => {
    const id = await f.executing(40);
    const problems: string[] = [];
    for (let round = 0; round < 50; round++) {
      const key = `race-${round}`;
      const bodies = [1, 2, 3, 1].map((minutes) => ({ taskId: 'T1', minutes: minutes + round * 3, category: 'execution', note: `round ${round}` }));
      const answers = await Promise.all(bodies.map((b) => h.post(`/requests/${id}/time`, co.backendSenior.token, b).set('Idempotency-Key', key)));
      const winners = new Set(answers.flatMap((a, i) => (a.status === 200 ? [bodies[i]!.minutes] : [])));
      if (winners.size !== 1) problems.push(`round ${round}: ${answers.map((a) => a.status).join(',')}`);
      answers.forEach((a, i) => {
        const won = winners.has(bodies[i]!.minutes);
        if (won ? a.status !== 200 : a.status !== 422) problems.push(`round ${round} call ${i}: ${a.status} ${JSON.stringify(a.body).slice(0, 120)}`);
      });
    }
    expect(problems).toEqual([]);
    expect((await f.state(id)).counters.timeEntries).toBe(50);
    expect(await f.entries(id)).toHaveLength(50);
    await expectReadModelEqualsWorkflow(h, id);
  });
});

describe('the Temporal UI shows text, never markup', () => {
  it("a title with HTML and a javascript: link is escaped in the workflow's summary and details", async () => {
    const title = '<img src=x onerror=alert(1)> [click](javascript:alert(1)) **bold**';
    const created = await h.post('/requests', co.client.token, { title, description: 'd' });
    expect(created.status).toBe(201);
    const handle = (await requestHandle(h, created.body.requestId as string));
    const summary = (await (await handle.describe()).staticSummary()) ?? '';
    const { currentDetails } = await handle.query<{ currentDetails: string }>('__temporal_workflow_metadata');
    for (const shown of [summary, currentDetails]) {
      expect(shown).toContain('\\<img');
      expect(shown).toContain('\\[click\\]\\(javascript\\:alert\\(1\\)\\)');
      expect(shown).not.toMatch(/(^|[^\\])<img/);
      expect(shown).not.toMatch(/(^|[^\\])\]\(/);
    }
  });
});
