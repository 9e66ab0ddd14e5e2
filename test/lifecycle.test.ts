// A request through the HTTP API against a real Temporal server, worker and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestState, Stage } from '../src/domain';
import { stateQuery } from '../src/shared/contract';
import { eventually } from './support/flow';
import { makeCompany, openHarness, type Company, type Harness, requestHandle, workflowIdFor } from './support/harness';

let h: Harness;
let co: Company;

beforeAll(async () => {
  h = await openHarness();
  co = await makeCompany(h);
});
afterAll(async () => h?.close());

const query = async (id: string) => (await requestHandle(h, id)).query(stateQuery);
const readModel = (id: string) =>
  h.db('requests').where({ id }).first<{ stage: Stage; version: number; manager_id: string; estimate_total_hours: number | null }>();

/** The answer, the live Query and the read model agree on the stage (updates wait for the projection). */
async function expectStage(id: string, answered: RequestState, stage: Stage) {
  expect(answered.stage).toBe(stage);
  const live = await query(id);
  expect(live.stage).toBe(stage);
  const row = await readModel(id);
  expect(row?.stage).toBe(stage);
  expect(row?.version).toBe(live.version);
}

async function fileRequest(title = 'Export times out', priority = 'high'): Promise<RequestState> {
  const res = await h.post('/requests', co.client.token, { title, description: 'The CSV export of orders times out after 30 s.', priority });
  expect(res.status).toBe(201);
  return res.body as RequestState;
}

describe('request lifecycle through the API', () => {
  it('R1 a request filed through the API at once has the client account manager', async () => {
    const created = await fileRequest();
    expect(created.managerId).toBe(co.manager.id);
    await expectStage(created.requestId, created, 'Triage');
    expect((await readModel(created.requestId))?.manager_id).toBe(co.manager.id);
  });

  it('walks a delegated request from intake to closure, checking Query and read model at each stage', async () => {
    const { requestId: id } = await fileRequest();
    const act = async (path: string, token: string, body: object, stage: Stage) => {
      const res = await h.post(`/requests/${id}/${path}`, token, body);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      await expectStage(id, res.body as RequestState, stage);
      return res.body as RequestState;
    };

    await act('triage', co.manager.token, { decision: 'delegate' }, 'Decomposition');
    const decomposed = await act(
      'decompose',
      co.manager.token,
      {
        brief: 'Find why the export query is slow and make it stream.',
        tasks: [
          { title: 'Fix the export query', skill: co.skills.backend, assigneeId: co.backendSenior.id },
          { title: 'Show export progress', skill: co.skills.frontend },
        ],
      },
      'Estimation',
    );
    expect(decomposed.brief).toContain('stream');
    expect(decomposed.tasks.map((t) => [t.id, t.assigneeId])).toEqual([
      ['T1', co.backendSenior.id],
      ['T2', co.frontendSenior.id],
    ]);
    const taskRows = await h.db('tasks').where({ request_id: id }).orderBy('task_id');
    expect(taskRows.map((t: { assignee_id: string }) => t.assignee_id)).toEqual([co.backendSenior.id, co.frontendSenior.id]);

    await act('tasks/T1/estimate', co.backendSenior.token, { hours: 6, complexity: 'medium' }, 'Estimation');
    const estimated = await act('tasks/T2/estimate', co.frontendSenior.token, { hours: 2, complexity: 'low' }, 'ClientApproval');
    // 6 h + 20 % = 7.2 → buffer rounded up to 1.25; 2 h + 10 % = 0.2 → 0.25.
    expect(estimated.estimateTotalHours).toBe(9.5);
    expect((await readModel(id))?.estimate_total_hours).toBe(9.5);

    await act('approve', co.client.token, {}, 'Execution');
    await act('time', co.backendSenior.token, { taskId: 'T1', minutes: 330, category: 'execution', note: 'rewrote the query' }, 'Execution');
    await act('time', co.manager.token, { minutes: 10, category: 'communication', note: 'called the client' }, 'Execution');
    await act('tasks/T1/complete', co.backendSenior.token, { result: 'The export streams rows.' }, 'Execution');
    await act('tasks/T2/complete', co.frontendSenior.token, { result: 'A progress bar.' }, 'InternalReview');

    // Rework is a signal: 202 at once, then the workflow moves.
    const rework = await h.post(`/requests/${id}/rework`, co.manager.token, { reason: 'no test for 1M rows', taskIds: ['T1'] });
    expect(rework.status).toBe(202);
    const back = await eventually(() => query(id), (s) => s.stage === 'Execution', 'the rework');
    expect(back.stage).toBe('Execution');
    expect(back.tasks.find((t) => t.id === 'T1')).toMatchObject({ status: 'in_progress', reworkCount: 1 });
    expect(back.tasks.find((t) => t.id === 'T2')?.status).toBe('done');

    await act('tasks/T1/complete', co.backendSenior.token, { result: 'Streams rows; tested with 1M rows.' }, 'InternalReview');
    await act('accept-result', co.manager.token, {}, 'ClientReview');
    const closed = await act('confirm-closure', co.client.token, {}, 'Closed');
    expect(closed.closure).toMatchObject({ by: co.client.id, role: 'client' });

    const result = await (await requestHandle(h, id)).result();
    expect(result.stage).toBe('Closed');

    const entries = await h.db('time_entries').where({ request_id: id }).orderBy('id');
    expect(entries.map((e: { minutes: number; billable: boolean }) => [e.minutes, e.billable])).toEqual([
      [330, true],
      [10, false],
    ]);
    const events = await h.db('audit_events').where({ request_id: id }).orderBy('seq').pluck('type');
    expect(events).toEqual([
      'intake', 'triage', 'decompose', 'estimate', 'estimate', 'approveEstimate', 'logTime', 'logTime',
      'completeTask', 'completeTask', 'rework', 'completeTask', 'acceptResult', 'confirmClosure',
    ]);
    // 5.5 h spent on T1 within its 7.25 h budget; the manager's 10-minute call is a quick answer (R2).
    // Approval held 9.5 h; closure released them and wrote off what is billable.
    const ledger = await h.db('hour_ledger').where({ request_id: id }).orderBy('id');
    expect(ledger.map((r: { kind: string; hours: number }) => [r.kind, r.hours])).toEqual([
      ['reservation', 9.5],
      ['release', 9.5],
      ['writeoff', 5.5],
    ]);
    expect(ledger[2]).toMatchObject({ client_id: co.clientId });

    const list = await h.get(`/requests?clientId=${co.clientId}&stage=Closed`, co.manager.token);
    expect(list.body.items.map((r: { requestId: string }) => r.requestId)).toContain(id);
  });

  it('R2 the manager resolves an organisational question himself and the client confirms closure', async () => {
    const { requestId: id } = await fileRequest('Where is the March invoice?', 'normal');
    const resolved = await h.post(`/requests/${id}/triage`, co.manager.token, {
      decision: 'resolve',
      resolution: 'Sent the March invoice again.',
    });
    expect(resolved.status).toBe(200);
    await expectStage(id, resolved.body as RequestState, 'ClientReview');
    expect((resolved.body as RequestState).tasks).toEqual([]);
    expect((resolved.body as RequestState).path).toBe('manager');

    const closed = await h.post(`/requests/${id}/confirm-closure`, co.client.token, {});
    expect(closed.status).toBe(200);
    await expectStage(id, closed.body as RequestState, 'Closed');
  });

  it('R21 a manager records the client confirmation only with a note saying how it was given', async () => {
    const { requestId: id } = await fileRequest('Contract renewal', 'low');
    await h.post(`/requests/${id}/triage`, co.manager.token, { decision: 'resolve', resolution: 'Renewed.' }).expect(200);
    const noNote = await h.post(`/requests/${id}/confirm-closure`, co.manager.token, {});
    expect(noNote.status).toBe(400);
    const withNote = await h.post(`/requests/${id}/confirm-closure`, co.manager.token, { note: 'Client confirmed by phone' });
    expect(withNote.status).toBe(200);
    expect((withNote.body as RequestState).closure).toMatchObject({ role: 'manager', note: 'Client confirmed by phone' });
  });

  it('R14 work never starts before the client approves: approval in the wrong stage is 409 and changes nothing', async () => {
    const { requestId: id } = await fileRequest();
    const before = await query(id);
    const res = await h.post(`/requests/${id}/approve`, co.client.token, {});
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body).toMatchObject({ status: 409, title: 'Conflict' });
    expect(res.body.detail).toContain('Triage');
    const after = await query(id);
    expect(after.version).toBe(before.version);
    expect(after.stage).toBe('Triage');
    // A rejected update never enters the workflow history.
    const history = await (await requestHandle(h, id)).fetchHistory();
    const updates = (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
    expect(updates.map((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name)).toEqual(['intake']);
  });

  it('R19 a rework signal in the wrong stage is refused with 409 before it is sent', async () => {
    const { requestId: id } = await fileRequest();
    const res = await h.post(`/requests/${id}/rework`, co.manager.token, { reason: 'not good' });
    expect(res.status).toBe(409);
    expect((await query(id)).stage).toBe('Triage');
  });

  it('R4 a decomposition without a brief is refused and the request stays in decomposition', async () => {
    const { requestId: id } = await fileRequest();
    await h.post(`/requests/${id}/triage`, co.manager.token, { decision: 'delegate' }).expect(200);
    const res = await h.post(`/requests/${id}/decompose`, co.manager.token, { brief: '   ', tasks: [{ title: 'x', skill: co.skills.backend }] });
    expect(res.status).toBe(400);
    const noSkill = await h.post(`/requests/${id}/decompose`, co.manager.token, { brief: 'do it', tasks: [{ title: 'x' }] });
    expect(noSkill.status).toBe(400);
    expect((await query(id)).stage).toBe('Decomposition');
  });

  it('malformed bodies get 400 problem+json with the validation issues', async () => {
    const notJson = await h.http
      .post('/requests')
      .set('Authorization', `Bearer ${co.client.token}`)
      .set('Content-Type', 'application/json')
      .send('{"title": ');
    expect(notJson.status).toBe(400);
    expect(notJson.headers['content-type']).toContain('application/problem+json');

    const wrongTypes = await h.post('/requests', co.client.token, { title: 42, description: '', priority: 'urgent', extra: true });
    expect(wrongTypes.status).toBe(400);
    const paths = (wrongTypes.body.errors as { path: string }[]).map((e) => e.path).sort();
    expect(paths).toEqual(['', 'description', 'priority', 'title']);
    expect(await h.db('requests').where({ title: '42' }).first()).toBeUndefined();
  });

  it('Idempotency-Key: a retried create returns the same request and starts no second workflow', async () => {
    const key = `create-${Date.now()}`;
    const body = { title: 'Idempotent', description: 'Sent twice by a flaky network.', priority: 'normal' };
    const first = await h.post('/requests', co.client.token, body).set('Idempotency-Key', key);
    const second = await h.post('/requests', co.client.token, body).set('Idempotency-Key', key);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.requestId).toBe(first.body.requestId);
    expect(second.headers['idempotent-replayed']).toBe('true');
    const runs = h.temporal.workflow.list({ query: `WorkflowId = '${await workflowIdFor(h, first.body.requestId)}'` });
    const found: string[] = [];
    for await (const wf of runs) found.push(wf.runId);
    expect(found).toHaveLength(1);
    expect(await h.db('requests').where({ title: 'Idempotent', client_id: co.clientId }).count({ n: '*' })).toEqual([{ n: '1' }]);

    const different = await h.post('/requests', co.client.token, { ...body, title: 'Other' }).set('Idempotency-Key', key);
    expect(different.status).toBe(422);
  });

  it('unauthenticated calls get 401, wrong roles 403, another organisation 404', async () => {
    expect((await h.http.get('/requests')).status).toBe(401);
    expect((await h.get('/requests', 'rd_not-a-token')).status).toBe(401);
    const { requestId: id } = await fileRequest();
    const asSpecialist = await h.post(`/requests/${id}/triage`, co.backendSenior.token, { decision: 'delegate' });
    expect(asSpecialist.status).toBe(403);
    expect(asSpecialist.headers['content-type']).toContain('application/problem+json');
    const clientApprovesStaffThing = await h.post(`/requests/${id}/triage`, co.client.token, { decision: 'delegate' });
    expect(clientApprovesStaffThing.status).toBe(403);
    expect((await h.post('/admin/staff', co.manager.token, { name: 'x' })).status).toBe(403);
    expect((await h.get(`/requests/${id}`, co.otherClient.token)).status).toBe(404);
    expect((await h.post(`/requests/${id}/cancel`, co.otherClient.token, { reason: 'mine now' })).status).toBe(404);
    expect((await query(id)).stage).toBe('Triage');
  });

  it('lists requests with filters and keyset pagination from PostgreSQL', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await fileRequest(`paged ${i}`, 'low')).requestId);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/requests?clientId=${co.clientId}&priority=low&stage=Triage&managerId=${co.manager.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await h.get(url, co.manager.token);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((r: { requestId: string }) => r.requestId));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.filter((id) => ids.includes(id))).toEqual([...ids].reverse());
    expect(new Set(seen).size).toBe(seen.length);

    const theirs = await h.get('/requests', co.otherClient.token);
    expect(theirs.body.items.some((r: { requestId: string }) => ids.includes(r.requestId))).toBe(false);
    expect((await h.get('/requests?cursor=garbage', co.manager.token)).status).toBe(400);
  });

  it('R25 the client cancels before closure and the workflow ends', async () => {
    const { requestId: id } = await fileRequest();
    const res = await h.post(`/requests/${id}/cancel`, co.client.token, { reason: 'solved it ourselves' });
    expect(res.status).toBe(200);
    await expectStage(id, res.body as RequestState, 'Cancelled');
    expect((await (await requestHandle(h, id)).result()).cancellation?.reason).toBe('solved it ourselves');
  });
});
