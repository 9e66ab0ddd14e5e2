// Every POST on a request honours Idempotency-Key: a client whose answer was lost (a timeout, a
// crash, a 503) retries with the same key and the action happens once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import supertest from 'supertest';
import { ServiceError } from '@temporalio/client';
import { createApp } from '../src/api/app';
import { isTemporalUnavailable } from '../src/api/errors';
import { createDb } from '../src/db/knex';
import { freePort } from '../src/dev/stack';
import { createLogger } from '../src/observability';
import type { RequestState } from '../src/domain';
import { Flow, eventually, openCompany } from './support/flow';
import { type Company, type Harness, requestHandle } from './support/harness';

let h: Harness;
let co: Company;
let flow: Flow;

beforeAll(async () => {
  ({ h, co, f: flow } = await openCompany({ rateLimitPerMinute: 0 }, { monthlyHours: 200 }));
});
afterAll(async () => h?.close());

const entriesOf = async (id: string) => (await h.db('time_entries').where({ request_id: id }).count<{ count: string }[]>('* as count'))[0]!.count;

describe('Idempotency-Key on actions', () => {
  it('a time entry retried with the same key is logged once', async () => {
    const id = await flow.executing();
    const log = () =>
      h.post(`/requests/${id}/time`, co.backendSenior.token, { taskId: 'T1', minutes: 45, category: 'execution' }).set('Idempotency-Key', 'log-1');
    const [first, second] = await Promise.all([log(), log()]);
    const third = await log();
    for (const res of [first, second, third]) expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(await entriesOf(id)).toBe('1');
  });

  it('the same key with another body is refused with 422 and logs nothing', async () => {
    const id = await flow.executing();
    const log = (minutes: number) =>
      h.post(`/requests/${id}/time`, co.backendSenior.token, { taskId: 'T1', minutes, category: 'execution' }).set('Idempotency-Key', 'log-2');
    expect((await log(30)).status).toBe(200);
    const reused = await log(90);
    expect(reused.status).toBe(422);
    expect(reused.type).toBe('application/problem+json');
    expect(reused.body.detail).toMatch(/Idempotency-Key/);
    expect((await flow.entries(id)).map((e) => e.minutes)).toEqual([30]);
  });

  it('keys belong to the person: the same key from someone else is a call of its own', async () => {
    const id = await flow.executing();
    const log = (token: string, body: object) => h.post(`/requests/${id}/time`, token, body).set('Idempotency-Key', 'same');
    expect((await log(co.backendSenior.token, { taskId: 'T1', minutes: 30, category: 'execution' })).status).toBe(200);
    expect((await log(co.manager.token, { minutes: 10, category: 'communication' })).status).toBe(200);
    expect(await entriesOf(id)).toBe('2');
  });

  it('a retried stage change answers 200 with the state instead of 409', async () => {
    const id = await flow.file();
    const triage = () => h.post(`/requests/${id}/triage`, co.manager.token, { decision: 'delegate' }).set('Idempotency-Key', 'triage-1');
    expect((await triage()).status).toBe(200);
    const again = await triage();
    expect(again.status).toBe(200);
    expect((again.body as RequestState).stage).toBe('Decomposition');
    // Without the key, doing it again is the conflict it is.
    expect((await h.post(`/requests/${id}/triage`, co.manager.token, { decision: 'delegate' })).status).toBe(409);
    expect((await h.db('audit_events').where({ request_id: id, type: 'triage' })).length).toBe(1);
  });

  it('a retried rework (a Signal) sends the task back once', async () => {
    const id = await flow.executing();
    await flow.act(`/requests/${id}/tasks/T1/complete`, co.backendSenior, { result: 'Done.' });
    const rework = () => h.post(`/requests/${id}/rework`, co.manager.token, { reason: 'missing test', taskIds: ['T1'] }).set('Idempotency-Key', 'rework-1');
    const [a, b] = await Promise.all([rework(), rework()]);
    expect([a.status, b.status]).toEqual([202, 202]);
    const back = await eventually(() => flow.state(id), (s) => s.stage === 'Execution', 'the rework');
    const replayed = await rework();
    expect(replayed.status).toBe(202);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(back.tasks[0]?.reworkCount).toBe(1);
    expect((await flow.state(id)).tasks[0]?.reworkCount).toBe(1);
  });

  it('a key is remembered across continue-as-new', async () => {
    const id = await flow.executing();
    const handle = (await requestHandle(h, id));
    const firstRun = (await handle.describe()).runId;
    const log = (n: number) =>
      h.post(`/requests/${id}/time`, co.backendSenior.token, { taskId: 'T1', minutes: 5, category: 'execution', note: `step ${n}` }).set('Idempotency-Key', `step-${n}`);
    // The test server suggests continue-as-new after 60 events; each entry adds several.
    let n = 0;
    while ((await handle.describe()).runId === firstRun) {
      expect((await log(++n)).status).toBe(200);
      expect(n).toBeLessThan(60);
    }
    expect((await log(1)).status).toBe(200);
    expect(await entriesOf(id)).toBe(String(n));
  });

  it('the call that closed a request, retried after its workflow ended, answers 200 with the final state; anything new is 409', async () => {
    const id = await flow.inClientReview();
    const confirm = () => h.post(`/requests/${id}/confirm-closure`, co.client.token, {}).set('Idempotency-Key', 'close-1');
    expect((await confirm()).status).toBe(200);
    await (await requestHandle(h, id)).result();
    const again = await confirm();
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect((again.body as RequestState).stage).toBe('Closed');
    const late = await h.post(`/requests/${id}/time`, co.backendSenior.token, { taskId: 'T1', minutes: 5, category: 'execution' });
    expect(late.status).toBe(409);
    expect(late.body.detail).toMatch(/closed/);
  });

  it('rejects a key that is not 1–200 visible ASCII characters with 400', async () => {
    const id = await flow.executing();
    const res = await h.post(`/requests/${id}/time`, co.backendSenior.token, { taskId: 'T1', minutes: 5, category: 'execution' }).set('Idempotency-Key', 'x'.repeat(201));
    expect(res.status).toBe(400);
    expect(await entriesOf(id)).toBe('0');
  });
});

describe('outages answer 503 problem+json', () => {
  it('Temporal refusing Updates while a crashed worker\'s task is retried is an outage, not an error', () => {
    const grpc = (code: number, details: string) => Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
    const refused = new ServiceError('Workflow Update failed', { cause: grpc(9, 'Unable to perform workflow execution update due to Workflow Task in failed state.') });
    expect(isTemporalUnavailable(refused)).toBe(true);
    expect(isTemporalUnavailable(new ServiceError('x', { cause: grpc(14, 'connect ECONNREFUSED') }))).toBe(true);
    expect(isTemporalUnavailable(new ServiceError('x', { cause: grpc(9, 'something else') }))).toBe(false);
    expect(isTemporalUnavailable(new ServiceError('x', { cause: grpc(3, 'invalid argument') }))).toBe(false);
  });

  it('a database that cannot be reached answers 503 with Retry-After, not 500', async () => {
    const db = createDb(`postgres://nobody:nothing@127.0.0.1:${await freePort()}/none`, { min: 0, max: 1 });
    const app = createApp({ db, temporal: h.temporal, logger: createLogger('silent'), rateLimitPerMinute: 0 });
    try {
      const res = await supertest(app).get('/requests').set('Authorization', `Bearer ${co.manager.token}`);
      expect(res.status).toBe(503);
      expect(res.type).toBe('application/problem+json');
      expect(res.headers['retry-after']).toBe('5');
      expect(res.body).toMatchObject({ status: 503, title: 'Service Unavailable' });
    } finally {
      await (app.locals.close as () => Promise<void>)();
      await db.destroy();
    }
  });
});
