// The read model equals the workflow's state: every row PostgreSQL holds of a request is what
// the workflow holds, nothing missing, nothing twice.
import { requestHandle } from './harness';
import { expect } from 'vitest';
import type { RequestState } from '../../src/domain';
import { RECORDS_HANDED_OUT, stateQuery } from '../../src/shared/contract';
import type { Harness } from './harness';

const byNumber = (a: string, b: string) => Number(/(\d+)$/.exec(a)?.[1]) - Number(/(\d+)$/.exec(b)?.[1]);

async function snapshot(h: Harness, requestId: string) {
  const state: RequestState = await (await requestHandle(h, requestId)).query(stateQuery);
  const row = await h.db('requests').where({ id: requestId }).first();
  const tasks = await h.db('tasks').where({ request_id: requestId }).orderBy('task_id');
  const entries = await h.db('time_entries').where({ request_id: requestId }).orderBy('id');
  const events = await h.db('audit_events').where({ request_id: requestId }).orderBy('seq');
  const notifications = await h.db('notifications').where({ request_id: requestId }).whereRaw("id ~ ':N[0-9]+$'");
  const escalations = await h.db('escalations').where({ request_id: requestId }).whereRaw("id ~ ':E[0-9]+$'");
  const held = state.events.length + state.timeEntries.length + state.notifications.length + state.escalations.length;
  const workflow = {
    stage: state.stage,
    version: state.version,
    title: state.title,
    priority: state.priority,
    managerId: state.managerId,
    tasks: [...state.tasks]
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((t) => ({ id: t.id, status: t.status, assigneeId: t.assigneeId ?? null, approvedHours: t.approvedHours ?? null, progress: t.progress })),
    // Every record the workflow made, numbered 1…n by its counters, once each; those not yet written are in the state.
    entries: Array.from({ length: state.counters.timeEntries }, (_, i) => `${requestId}:te:${i + 1}`),
    events: Array.from({ length: state.counters.events }, (_, i) => i + 1),
    notifications: Array.from({ length: state.counters.notifications }, (_, i) => `${requestId}:N${i + 1}`),
    escalations: Array.from({ length: state.counters.escalations }, (_, i) => `${requestId}:E${i + 1}`),
    // Records the state still holds (handed out in answers and written by their callers, kept until the workflow writes them too) stay few.
    held: held < RECORDS_HANDED_OUT ? 'fewer than RECORDS_HANDED_OUT' : held,
  };
  const readModel = {
    stage: row?.stage,
    version: row?.version,
    title: row?.title,
    priority: row?.priority,
    managerId: row?.manager_id,
    tasks: tasks.map((t: Record<string, unknown>) => ({
      id: t.task_id,
      status: t.status,
      assigneeId: t.assignee_id,
      approvedHours: t.approved_hours === null ? null : Number(t.approved_hours),
      progress: t.progress,
    })),
    entries: entries.map((e: { id: string }) => e.id).sort(byNumber),
    events: events.map((e: { seq: number }) => e.seq),
    notifications: notifications.map((n: { id: string }) => n.id).sort(byNumber),
    escalations: escalations.map((n: { id: string }) => n.id).sort(byNumber),
    held: 'fewer than RECORDS_HANDED_OUT',
  };
  return { workflow, readModel };
}

/** Waits (the read model follows timers and signals a moment later) until both agree, then asserts it. */
export async function expectReadModelEqualsWorkflow(h: Harness, requestId: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { workflow, readModel } = await snapshot(h, requestId);
    if (JSON.stringify(workflow) === JSON.stringify(readModel) || Date.now() > deadline) {
      expect(readModel, `read model of ${requestId}`).toEqual(workflow);
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
