// Allocation is booked after the re-check, or given back: a command refused once its booking is
// made (another action moved the request while the booking was on its way) leaves nobody's hours
// held. A retried workload review writes one review.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Activities } from '../src/activities';
import { reviewWorkload } from '../src/stores/allocation';
import { Flow } from './support/flow';
import { makeCompany, openHarness, type Company, type Harness, requestHandle } from './support/harness';

let h: Harness;
let co: Company;
let slow = false;

beforeAll(async () => {
  h = await openHarness({
    wrapActivities: (acts: Activities): Activities => ({
      ...acts,
      allocateTasks: async (input) => {
        if (slow) await new Promise((r) => setTimeout(r, 1500));
        return acts.allocateTasks(input);
      },
    }),
  });
  co = await makeCompany(h);
});
afterAll(async () => {
  await h.close();
});

it('R6 a decomposition refused after its booking (the request was cancelled meanwhile) holds nobody’s hours', async () => {
  const f = new Flow(h, co);
  const id = await f.delegated();
  slow = true;
  const decomposing = h.post(`/requests/${id}/decompose`, co.manager.token, { brief: 'b', tasks: [{ title: 'x', skill: co.skills.backend, assigneeId: co.backendSenior.id }] });
  await new Promise((r) => setTimeout(r, 400));
  const cancelled = await h.post(`/requests/${id}/cancel`, co.client.token, { reason: 'not needed' });
  const decomposed = await decomposing;
  slow = false;
  expect(cancelled.status).toBe(200);
  expect(decomposed.status).toBe(409);
  const held = await h.db('task_assignments').where({ request_id: id }).whereNot('status', 'released');
  expect(held).toEqual([]);
});

it('R8 a workload review retried under the same key writes one review, one set of proposals, one notification', async () => {
  const key = `workload-review-test-${Date.now()}`;
  const first = await reviewWorkload(h.db, new Date(), key);
  const again = await reviewWorkload(h.db, new Date(), key);
  expect(again).toEqual(first);
  expect(await h.db('workload_reviews').where({ key })).toHaveLength(1);
});

it('a request whose workflow was terminated holds no hours: assignments and reservations released, flagged in the list, escalated to its manager', async () => {
  const f = new Flow(h, co);
  const id = await f.executing(4);
  expect(await h.db('task_assignments').where({ request_id: id }).whereNot('status', 'released')).toHaveLength(1);
  await (await requestHandle(h, id)).terminate('operator error');
  const review = await h.post('/workload/review', co.head.token);
  expect(review.status).toBe(200);
  expect(await h.db('task_assignments').where({ request_id: id }).whereNot('status', 'released')).toEqual([]);
  const ledger = await h.db('hour_ledger').where({ request_id: id }).select('kind', 'hours');
  const held = ledger.reduce((sum: number, r: { kind: string; hours: string }) => sum + (r.kind === 'reservation' ? Number(r.hours) : r.kind === 'release' ? -Number(r.hours) : 0), 0);
  expect(held).toBe(0);
  const listed = await h.get('/requests?needsAttention=true&limit=100', co.manager.token);
  expect(listed.body.items.map((i: { requestId: string }) => i.requestId)).toContain(id);
  const escalations = await h.get('/escalations', co.manager.token);
  expect(escalations.body.items.map((e: { kind: string; requestId: string }) => [e.kind, e.requestId])).toContainEqual(['workflow_ended', id]);
  const action = await h.post(`/requests/${id}/time`, co.backendSenior.token, { taskId: 'T1', minutes: 5, category: 'execution' });
  expect(action.status).toBe(409);
  expect(action.body.detail).toMatch(/ended without closing/);
  // Run again: nothing twice.
  await h.post('/workload/review', co.head.token);
  expect(await h.db('escalations').where({ request_id: id, kind: 'workflow_ended' })).toHaveLength(1);
});
