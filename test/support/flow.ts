// Steps of a request through the API, for tests that need one in a given stage.
import { expect } from 'vitest';
import type { RequestState, TimeEntry } from '../../src/domain';
import { stateQuery } from '../../src/shared/contract';
import { makeCompany, openHarness, type Company, type Harness, type HarnessOptions, type Person, requestHandle } from './harness';

export class Flow {
  constructor(
    readonly h: Harness,
    readonly co: Company,
  ) {}

  /** POSTs and expects the status; returns the body. */
  async act(path: string, person: Person, body: object = {}, status = 200): Promise<RequestState> {
    const res = await this.h.post(path, person.token, body);
    expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(status);
    return res.body as RequestState;
  }

  async state(id: string): Promise<RequestState> {
    return (await requestHandle(this.h, id)).query(stateQuery);
  }

  /** The request's time entries, as the read model holds them (the staff's view). */
  async entries(id: string, who: Person = this.co.manager): Promise<TimeEntry[]> {
    const items: TimeEntry[] = [];
    for (let after = 0; ; ) {
      const res = await this.h.get(`/requests/${id}/time?after=${after}&limit=500`, who.token);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      items.push(...(res.body.items as TimeEntry[]));
      if (res.body.nextAfter === null) return items;
      after = res.body.nextAfter as number;
    }
  }

  async file(title = 'Slow report', priority = 'normal', client: Person = this.co.client): Promise<string> {
    const created = await this.act('/requests', client, { title, description: `${title}: details from the client.`, priority }, 201);
    return created.requestId;
  }

  /** Filed and handed to specialists, waiting for the brief. */
  async delegated(): Promise<string> {
    const id = await this.file();
    await this.act(`/requests/${id}/triage`, this.co.manager, { decision: 'delegate' });
    return id;
  }

  /** Filed, delegated and decomposed: one backend task for the senior unless told otherwise. */
  async decomposed(tasks: object[] = [{ title: 'Fix it', skill: this.co.skills.backend, assigneeId: this.co.backendSenior.id }], priority = 'normal') {
    const id = await this.file('Slow report', priority);
    await this.act(`/requests/${id}/triage`, this.co.manager, { decision: 'delegate' });
    await this.act(`/requests/${id}/decompose`, this.co.manager, { brief: 'Make the report fast.', tasks });
    return id;
  }

  /** In execution, with one backend task of `hours` (+ buffer) for the senior. */
  async executing(hours = 4, complexity = 'low') {
    const id = await this.decomposed();
    await this.act(`/requests/${id}/tasks/T1/estimate`, this.co.backendSenior, { hours, complexity });
    await this.act(`/requests/${id}/approve`, this.co.client, { acceptOverage: true });
    return id;
  }

  async inClientReview(hours = 4) {
    const id = await this.executing(hours);
    await this.act(`/requests/${id}/tasks/T1/complete`, this.co.backendSenior, { result: 'Done.' });
    await this.act(`/requests/${id}/accept-result`, this.co.manager);
    return id;
  }
}

export async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** A test file's harness, its own company and a Flow over them (the file closes `h` after its tests). */
export async function openCompany(options: HarnessOptions = {}, subscription: Parameters<typeof makeCompany>[1] = {}): Promise<{ h: Harness; co: Company; f: Flow }> {
  const h = await openHarness(options);
  const co = await makeCompany(h, subscription);
  return { h, co, f: new Flow(h, co) };
}
