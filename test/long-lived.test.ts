// A request that lives for years: one request driven through 5,000 actions (time entries,
// corrections, questions, progress reports) by four people at once, on the real stack. Its
// Update results stay small, its histories hold no large payload, it continues as new, it never
// says "closed" while open, and the read model holds exactly the entries that were answered 2xx.
import { requestHandle, workflowIdFor } from './support/harness';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TimeEntry } from '../src/domain';
import { eventually, openCompany, type Flow } from './support/flow';
import type { Company, Harness, Person } from './support/harness';
import { expectReadModelEqualsWorkflow } from './support/read-model';

let h: Harness;
let co: Company;
let f: Flow;

beforeAll(async () => {
  ({ h, co, f } = await openCompany({ rateLimitPerMinute: 0 }, { team: 1, monthlyHours: 10_000 }));
});
afterAll(async () => {
  await h.close();
});

const ACTIONS = 5_000;

/** The bytes of every payload in a history event, the largest of them. */
function largestPayload(event: unknown): number {
  let largest = 0;
  const walk = (v: unknown) => {
    if (!v || typeof v !== 'object') return;
    if (v instanceof Uint8Array) return;
    const o = v as Record<string, unknown>;
    if (o.data instanceof Uint8Array && 'metadata' in o) largest = Math.max(largest, o.data.length);
    for (const x of Object.values(o)) walk(x);
  };
  walk(event);
  return largest;
}

it('one request through 5,000 actions: small answers and payloads, continue-as-new, never "closed" while open, every 2xx entry exactly once', { timeout: 900_000 }, async () => {
  const id = await f.decomposed([{ title: 'Ongoing maintenance', skill: co.skills.backend, assigneeId: co.backendSenior.id }]);
  await f.act(`/requests/${id}/tasks/T1/estimate`, co.backendSenior, { hours: 900, complexity: 'high' });
  await f.act(`/requests/${id}/approve`, co.client, { acceptOverage: true });
  const helper = co.team[0]!;
  await f.act(`/requests/${id}/tasks/T1/helpers`, co.manager, { specialistId: helper.id });

  const logged = new Map<string, number>(); // note → minutes, for every logTime answered 2xx
  const corrected = new Map<string, number>(); // note → minutes after a correction answered 2xx
  const problems: string[] = [];
  let largestAnswer = 0;
  let done = 0;
  let seq = 0;
  let corrections = 0;

  let retries = 0;
  /**
   * One action, sent as the API asks a careful client to: a 503 (the request did not answer in
   * time, under the load of everything else this machine runs) is retried with the same
   * Idempotency-Key, which joins the call still under way and never applies it twice.
   */
  const post = async (who: Person, path: string, body: object) => {
    const key = `long-${seq++}`;
    let res = await h.post(path, who.token, body).set('Idempotency-Key', key);
    for (let attempt = 0; res.status === 503 && attempt < 5; attempt++) {
      retries++;
      await new Promise((r) => setTimeout(r, 1_000));
      res = await h.post(path, who.token, body).set('Idempotency-Key', key);
    }
    largestAnswer = Math.max(largestAnswer, res.text.length);
    if (res.status !== 200) problems.push(`${path} → ${res.status} ${res.text.slice(0, 160)}`);
    done++;
    return res;
  };

  /** One person's share of the actions: mostly time, now and then a correction of their own entry, a question, a progress report. */
  const lane = async (who: Person, taskId: string | undefined, category: string, share: number, asks: boolean) => {
    const mine: { note: string; number?: number }[] = [];
    let seenAfter = 0;
    for (let i = 0; i < share; i++) {
      const roll = i % 10;
      if (roll === 7 && mine.length > 0) {
        // Learn the numbers of this person's entries from the read model, then correct one.
        for (;;) {
          const page = await h.get(`/requests/${id}/time?after=${seenAfter}&limit=500`, co.manager.token);
          for (const e of page.body.items as TimeEntry[]) {
            const m = mine.find((x) => x.note === e.note);
            if (m) m.number = Number(/:te:(\d+)$/.exec(e.id)?.[1]);
          }
          if (page.body.nextAfter === null) {
            const last = (page.body.items as TimeEntry[]).at(-1);
            if (last) seenAfter = Number(/:te:(\d+)$/.exec(last.id)?.[1]);
            break;
          }
          seenAfter = page.body.nextAfter as number;
        }
        const target = mine.filter((m) => m.number !== undefined).at(-1)!;
        const minutes = 2 + (i % 5);
        const res = await post(who, `/requests/${id}/time/${target.number}/correct`, { minutes });
        if (res.status === 200) {
          corrected.set(target.note, minutes);
          corrections++;
        }
      } else if (roll === 8 && asks) {
        const text = `question ${i} from ${who.id}`;
        const asked = await post(who, `/requests/${id}/questions`, { taskId, text });
        const q = (asked.body.questions as { id: string; text: string; status: string }[]).find((x) => x.text === text && x.status === 'open');
        if (q) await post(co.manager, `/requests/${id}/questions/${q.id}/answer`, { answer: `answer ${i}` });
        else problems.push(`${text} not in the answer`);
      } else if (roll === 9 && taskId) {
        await post(who, `/requests/${id}/tasks/${taskId}/progress`, { percent: i % 100 });
      } else {
        const note = `${who.id.slice(0, 8)} ${i}`;
        const res = await post(who, `/requests/${id}/time`, { ...(taskId ? { taskId } : {}), minutes: 1, category, note });
        if (res.status === 200) {
          logged.set(note, 1);
          mine.push({ note });
        }
      }
    }
  };
  // Questions are asked by the specialists and answered by the manager: two actions per question.
  await Promise.all([
    lane(co.backendSenior, 'T1', 'execution', 1_200, true),
    lane(helper, 'T1', 'execution', 1_200, true),
    lane(co.manager, undefined, 'consultation', 1_200, false),
    lane(co.head, undefined, 'consultation', 1_200, false),
  ]);
  expect(done).toBeGreaterThanOrEqual(ACTIONS);
  expect(problems).toEqual([]);
  expect(largestAnswer).toBeLessThan(16 * 1024);

  // Exactly the entries answered 2xx, each once, with their corrections.
  const entries = await f.entries(id);
  expect(entries).toHaveLength(logged.size);
  const byNote = new Map(entries.map((e) => [e.note, e]));
  expect(byNote.size).toBe(entries.length);
  for (const note of logged.keys()) expect(byNote.get(note)?.minutes, note).toBe(corrected.get(note) ?? 1);
  await expectReadModelEqualsWorkflow(h, id);

  // It continued as new, and no payload in any of its runs' histories is large.
  const runs: string[] = [];
  for await (const wf of h.temporal.workflow.list({ query: `WorkflowId = '${await workflowIdFor(h, id)}'` })) runs.push(wf.runId);
  expect(runs.length).toBeGreaterThan(1);
  let largest = 0;
  for (const runId of runs) {
    const history = await (await requestHandle(h, id, runId)).fetchHistory();
    for (const event of history.events ?? []) largest = Math.max(largest, largestPayload(event));
  }
  expect(largest).toBeLessThan(64 * 1024);
  console.info(JSON.stringify({ actions: done, retries, runs: runs.length, largestAnswerBytes: largestAnswer, largestPayloadBytes: largest, entries: entries.length }));

  // Closed: the timeline and the statement count exactly those entries.
  await f.act(`/requests/${id}/tasks/T1/complete`, co.backendSenior, { result: 'Maintained.' });
  await f.act(`/requests/${id}/accept-result`, co.manager);
  await f.act(`/requests/${id}/confirm-closure`, co.client);
  const timeline: { type: string }[] = [];
  for (let after = 0; ; ) {
    const page = await h.get(`/requests/${id}/timeline?after=${after}&limit=500`, co.manager.token);
    timeline.push(...(page.body.items as { type: string }[]));
    if (page.body.nextAfter === null) break;
    after = page.body.nextAfter as number;
  }
  expect(timeline.filter((e) => e.type === 'logTime')).toHaveLength(logged.size);
  expect(timeline.filter((e) => e.type === 'correctTime')).toHaveLength(corrections);
  const minutes = entries.reduce((sum, e) => sum + e.minutes, 0);
  const month = new Date().toISOString().slice(0, 7);
  const statement = await eventually(
    async () => (await h.get(`/clients/${co.clientId}/statements/${month}`, co.manager.token)).body as { requests: { requestId: string; billableHours: number }[] },
    (s) => s.requests.some((r) => r.requestId === id),
    'the statement',
  );
  expect(statement.requests.find((r) => r.requestId === id)?.billableHours).toBe(Math.round((minutes / 60) * 4) / 4);
});

it('50 parallel actions of mixed kinds, five rounds: the read model equals the workflow, nothing missing, nothing twice, no 5xx', { timeout: 300_000 }, async () => {
  const id = await f.executing(40);
  await f.act(`/requests/${id}/time`, co.backendSenior, { taskId: 'T1', minutes: 10, category: 'execution', note: 'first' });
  const answered = new Set<string>();
  const statuses: number[] = [];
  const refusals: string[] = [];
  for (let round = 0; round < 5; round++) {
    const calls: Promise<void>[] = [];
    const send = (who: Person, path: string, body: object, note?: string) =>
      calls.push(
        (async () => {
          const res = await h.post(path, who.token, body);
          statuses.push(res.status);
          if (res.status === 200 && note) answered.add(note);
          if (res.status !== 200 && note) refusals.push(`${note}: ${res.status} ${res.text.slice(0, 200)}`);
        })(),
      );
    for (let i = 0; i < 20; i++) send(co.backendSenior, `/requests/${id}/time`, { taskId: 'T1', minutes: 1 + (i % 7), category: 'execution', note: `r${round} s${i}` }, `r${round} s${i}`);
    for (let i = 0; i < 5; i++) send(co.manager, `/requests/${id}/time`, { minutes: 20, category: 'consultation', note: `r${round} m${i}` }, `r${round} m${i}`);
    for (let i = 0; i < 5; i++) send(co.backendSenior, `/requests/${id}/tasks/T1/progress`, { percent: round * 10 + i });
    for (let i = 0; i < 5; i++) send(co.backendSenior, `/requests/${id}/questions`, { taskId: 'T1', text: `r${round} q${i}` });
    for (let i = 0; i < 5; i++) send(co.manager, `/requests/${id}/priority`, { priority: i % 2 ? 'high' : 'low', reason: `r${round} p${i}` });
    for (let i = 0; i < 5; i++) send(co.backendSenior, `/requests/${id}/time/1/correct`, { minutes: 10 + i, note: `corrected r${round}` });
    for (let i = 0; i < 5; i++) send(co.backendSenior, `/requests/${id}/tasks/T1/blocker`, { description: `r${round} b${i}` });
    await Promise.all(calls);
    await expectReadModelEqualsWorkflow(h, id);
    const entries = await f.entries(id);
    const notes = entries.map((e) => e.note).filter((n) => n !== 'first' && !n.startsWith('corrected'));
    expect(new Set(notes).size, 'no entry twice').toBe(notes.length);
    expect(refusals, 'time entries are never refused on an open request').toEqual([]);
    expect(new Set(notes)).toEqual(answered);
  }
  expect(statuses.filter((s) => s >= 500)).toEqual([]);
  expect(new Set(statuses.filter((s) => s !== 200 && s !== 409))).toEqual(new Set());
});
