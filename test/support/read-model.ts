// The read model equals the workflow's state: every row PostgreSQL holds of a request is what
// the workflow holds, nothing missing, nothing twice.
import { expect } from 'vitest';
import type { RequestState } from '../../src/domain';
import { requestWorkflowId, stateQuery } from '../../src/shared/contract';
import type { Harness } from './harness';

async function snapshot(h: Harness, requestId: string) {
  const state: RequestState = await h.temporal.workflow.getHandle(requestWorkflowId(requestId)).query(stateQuery);
  const row = await h.db('requests').where({ id: requestId }).first();
  const tasks = await h.db('tasks').where({ request_id: requestId }).orderBy('task_id');
  const entries = await h.db('time_entries').where({ request_id: requestId }).orderBy('id');
  const events = await h.db('audit_events').where({ request_id: requestId }).orderBy('seq');
  const notifications = await h.db('notifications').where({ request_id: requestId }).whereNot('kind', 'escalation.data_rejected');
  const workflow = {
    stage: state.stage,
    version: state.version,
    title: state.title,
    priority: state.priority,
    managerId: state.managerId,
    tasks: [...state.tasks]
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((t) => ({ id: t.id, status: t.status, assigneeId: t.assigneeId ?? null, approvedHours: t.approvedHours ?? null, progress: t.progress })),
    entries: [...state.timeEntries].sort((a, b) => a.id.localeCompare(b.id)).map((e) => ({ id: e.id, minutes: e.minutes, category: e.category, billable: e.billable, note: e.note, revision: e.revision })),
    events: state.events.map((e) => ({ seq: e.seq, type: e.type, actorId: e.actorId })),
    notifications: state.notifications.length,
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
    entries: entries.map((e: Record<string, unknown>) => ({ id: e.id, minutes: e.minutes, category: e.category, billable: e.billable, note: e.note, revision: e.revision })),
    events: events.map((e: Record<string, unknown>) => ({ seq: e.seq, type: e.type, actorId: e.actor_id })),
    notifications: notifications.length,
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
