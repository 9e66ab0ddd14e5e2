// The request's own timers (R3, R17, R21): which is due next, and what it does when it fires.
import type { RequestContext, SystemCommand } from './request';
import { SYSTEM, escalate, findTask, finish, isPaused, isTerminal, record, toClient, toWorkers, updateTask } from './request';
import type {
  RequestState,
  Task,
} from './types';

/** The next timer of the request, if any: when it fires and what it does (R3, R17, R21). */
export function nextTimer(state: RequestState, ctx: RequestContext): { at: string; command: SystemCommand } | undefined {
  if (isTerminal(state.stage)) return undefined;
  const due: { at: string; command: SystemCommand }[] = [];
  // An escalation counts for the current deadline only: one agreed later may be missed again.
  const since = (at: string | undefined, deadline: string) => (at !== undefined && at >= deadline ? at : undefined);
  if (!isPaused(state)) {
    if (state.stage === 'Triage' && !state.escalated.triage) due.push({ at: state.triageDueAt, command: { type: 'triageOverdue' } });
    if (state.stage === 'Execution') {
      for (const t of state.tasks) {
        if (!t.deadlineAt || !(t.status === 'in_progress' || t.status === 'result_review')) continue;
        const missed = since(state.escalated.deadlines[t.id]?.manager, t.deadlineAt);
        if (!missed) due.push({ at: t.deadlineAt, command: { type: 'deadlineMissed', taskId: t.id, level: 'manager' } });
        else if (!since(state.escalated.deadlines[t.id]?.head, t.deadlineAt)) {
          due.push({ at: new Date(Date.parse(missed) + ctx.policy.deadlineGraceMs).toISOString(), command: { type: 'deadlineMissed', taskId: t.id, level: 'head' } });
        }
      }
    }
  }
  if (state.stage === 'ClientReview' && state.clientReviewSince) {
    const since = Date.parse(state.clientReviewSince);
    if (state.remindersSent < ctx.policy.clientReminderMax) {
      due.push({ at: new Date(since + (state.remindersSent + 1) * ctx.policy.clientReminderEveryMs).toISOString(), command: { type: 'remindClient' } });
    }
    if (state.autoCloseAfterDays !== undefined) {
      due.push({ at: new Date(since + state.autoCloseAfterDays * ctx.policy.dayMs).toISOString(), command: { type: 'autoClose' } });
    }
  }
  return due.sort((a, b) => a.at.localeCompare(b.at))[0];
}

/** Apply a timer that fired. */
export function applyTimer(state: RequestState, cmd: SystemCommand, at: string): RequestState {
  const next = record(state, SYSTEM, at, cmd.type, { ...cmd });
  switch (cmd.type) {
    case 'triageOverdue':
      // R3: a triage deadline that passes escalates to the head automatically.
      return escalate(next, { kind: 'triage_overdue', ownerRole: 'head', cause: `triage deadline ${state.triageDueAt} passed (${state.priority})`, at });
    case 'deadlineMissed': {
      const task = findTask(state, cmd.taskId) as Task;
      // R17: the manager at once; the head if still unresolved after the grace period.
      return cmd.level === 'manager'
        ? escalate(next, { kind: 'deadline_missed', ownerRole: 'manager', ownerId: state.managerId, taskId: task.id, cause: `deadline ${task.deadlineAt} of ${task.id} passed without delivery`, at })
        : escalate(next, { kind: 'deadline_unresolved', ownerRole: 'head', taskId: task.id, cause: `deadline ${task.deadlineAt} of ${task.id} passed and is still unresolved`, at });
    }
    case 'remindClient':
      return toClient({ ...next, remindersSent: state.remindersSent + 1 }, at, 'review.reminder', 'waiting for your confirmation');
    case 'assignTask': {
      const task = findTask(state, cmd.taskId);
      if (!task || task.status !== 'waiting' || isTerminal(state.stage)) return state;
      const tasks = updateTask(state, cmd.taskId, (t) => {
        const { waitingFor: _w, ...rest } = t;
        return { ...rest, assigneeId: cmd.assigneeId, status: 'estimating', ...(cmd.mentorId ? { mentorId: cmd.mentorId } : {}) };
      });
      return toWorkers({ ...next, tasks }, at, [cmd.taskId], 'task.assigned', 'a task for you; read the brief and estimate it');
    }
    case 'autoClose':
      return finish({ ...next, stage: 'Closed', closure: { by: SYSTEM.id, role: 'system', note: `closed after ${state.autoCloseAfterDays} silent days, as the subscription provides` } }, at);
  }
}

