// `npm run record-histories` (optionally with RECORD_PREFIX): drives three representative requests on a fresh stack and saves
// every run's history to test/histories/, where test/replay.test.ts replays them against the
// current workflow code. Record again only when a change to the workflow is meant to be
// incompatible (and running workflows have been drained or versioned).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/domain';
import { findTemporalCli } from '../../src/dev/stack';
import { Flow, eventually } from '../support/flow';
import { makeCompany, openHarness, workflowIdFor, type Harness } from '../support/harness';

let h: Harness;
let f: Flow;
/** `RECORD_PREFIX=v2-`: record beside the older histories instead of over them, so both versions stay covered. */
const PREFIX = process.env.RECORD_PREFIX ?? '';

beforeAll(async () => {
  h = await openHarness();
  f = new Flow(h, await makeCompany(h));
});
afterAll(async () => h?.close());

async function save(name: string, requestId: string) {
  const workflowId = await workflowIdFor(h, requestId);
  await h.temporal.workflow.getHandle(workflowId).result();
  const runs: string[] = [];
  for await (const wf of h.temporal.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(wf.runId);
  runs.reverse();
  for (const [i, runId] of runs.entries()) {
    // The CLI writes the same JSON the SDK's historyFromJSON reads.
    const json = execFileSync(findTemporalCli(), ['workflow', 'show', '-w', workflowId, '-r', runId, '--output', 'json', '--address', inject('temporalAddress')]);
    const file = path.join(__dirname, '../histories', `${PREFIX}${name}${runs.length > 1 ? `-run${i + 1}` : ''}.json`);
    fs.writeFileSync(file, json);
  }
  expect(runs.length).toBeGreaterThan(0);
}

it('records a request the manager resolved himself', async () => {
  const id = await f.file('Where is the March invoice?');
  await f.act(`/requests/${id}/time`, f.co.manager, { minutes: 10, category: 'communication', note: 'looked it up' });
  await f.act(`/requests/${id}/triage`, f.co.manager, { decision: 'resolve', resolution: 'Sent again.' });
  await f.act(`/requests/${id}/confirm-closure`, f.co.client);
  await save('self-resolved', id);
});

it('records a decomposed request with a clarification, a blocker, a renegotiated deadline and rework', async () => {
  const { co } = f;
  // #16: filed under the client's policy, version 1; moved by the manager to version 2 after it changed.
  const policy = { ...DEFAULT_POLICY, calendar: { ...DEFAULT_POLICY.calendar, workdays: [1, 2, 3, 4, 5, 6, 7], hours: [{ from: '08:00', to: '13:00' }, { from: '14:00', to: '20:00' }] } };
  const made = await h.post('/admin/policies', co.admin.token, { ...policy, name: 'Recorded' }).expect(201);
  const policyId = made.body.id as string;
  const subscription = (await h.get(`/admin/clients/${co.clientId}`, co.admin.token)).body.subscriptions[0].id as string;
  await h.http.put(`/admin/clients/${co.clientId}/subscriptions/${subscription}/policy`).set('Authorization', `Bearer ${co.admin.token}`).send({ policyId }).expect(200);
  const id = await f.decomposed([
    { title: 'API', skill: co.skills.backend, assigneeId: co.backendSenior.id },
    { title: 'UI', skill: co.skills.frontend },
  ]);
  await f.act(`/requests/${id}/questions`, co.backendSenior, { taskId: 'T1', text: 'Which format?' });
  await f.act(`/requests/${id}/questions/Q1/ask-client`, co.manager, { text: 'CSV or XLSX?' });
  await f.act(`/requests/${id}/questions/Q1/client-answer`, co.client, { answer: 'CSV.' });
  // The conversation: a question to the client answered by a reply, a reply from the team.
  await f.act(`/requests/${id}/ask-client`, co.manager, { text: 'Which delimiter?' });
  await h.post(`/requests/${id}/messages`, co.client.token, { body: 'Semicolons, please.' }).expect(201);
  await eventually(() => f.state(id), (s) => s.slaPauses.at(-1)?.to !== undefined, 'the reply');
  await h.post(`/requests/${id}/messages`, co.manager.token, { body: 'Noted.' }).expect(201);
  await h.post(`/admin/policies/${policyId}/versions`, co.admin.token, { ...policy, riskBuffer: { ...policy.riskBuffer, medium: 0.3 } }).expect(201);
  await f.act(`/requests/${id}/policy`, co.manager, { policyId, version: 2, reason: 'The new contract.' });
  await f.act(`/requests/${id}/tasks/T1/estimate`, co.backendSenior, { hours: 4, complexity: 'medium' });
  await f.act(`/requests/${id}/tasks/T2/estimate`, co.frontendSenior, { hours: 2, complexity: 'low' });
  await f.act(`/requests/${id}/approve`, co.client, { acceptOverage: true });
  await f.act(`/requests/${id}/tasks/T1/blocker`, co.backendSenior, { description: 'Waiting for the vendor.' });
  await f.act(`/requests/${id}/tasks/T1/deadline-proposal`, co.manager, {
    newDeadline: new Date(Date.now() + 86_400_000).toISOString(),
    extraHours: 1,
    cause: 'external',
    note: 'The vendor is late.',
  });
  await f.act(`/requests/${id}/deadline-proposals/D1/answer`, co.client, { agree: true });
  await f.act(`/requests/${id}/time`, co.backendSenior, { taskId: 'T1', minutes: 240, category: 'execution', note: 'API' });
  // A correction of an entry already written (and, since bounded state, gone from the workflow's state).
  await f.act(`/requests/${id}/time/1/correct`, co.backendSenior, { minutes: 210, note: 'API, without the break' });
  await h.post(`/requests/${id}/messages`, co.manager.token, { body: 'Called the client about the header row.', minutes: 10 }).expect(201);
  await f.act(`/requests/${id}/tasks/T1/complete`, co.backendSenior, { result: 'API done.' });
  await f.act(`/requests/${id}/tasks/T2/complete`, co.frontendSenior, { result: 'UI done.' });
  await h.post(`/requests/${id}/rework`, co.manager.token, { reason: 'Missing header row.', taskIds: ['T1'] }).expect(202);
  await eventually(() => f.state(id), (s) => s.stage === 'Execution', 'rework');
  await f.act(`/requests/${id}/tasks/T1/complete`, co.backendSenior, { result: 'Header added.' });
  await f.act(`/requests/${id}/linked-requests`, co.manager, { title: 'Also the XLSX export', description: 'Found on the way.' });
  await f.act(`/requests/${id}/accept-result`, co.manager);
  await f.act(`/requests/${id}/confirm-closure`, co.client);
  await save('decomposed-rework-deadline', id);
});

it('records a request cancelled by the client during execution', async () => {
  const id = await f.executing();
  await f.act(`/requests/${id}/time`, f.co.backendSenior, { taskId: 'T1', minutes: 60, category: 'execution', note: 'started' });
  await f.act(`/requests/${id}/cancel`, f.co.client, { reason: 'Budget cut.' });
  await save('cancelled', id);
});
