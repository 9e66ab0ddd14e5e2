// What each actor may see of a request, decided in one place.
import { roundQuarter, type Actor, type RequestBilling, type RequestState, type Task } from '../domain';

/**
 * R10: a junior's estimate and result are the mentor's to check first. Until the mentor has
 * approved them, only the people on the task and its mentor see them; the manager, the head, other
 * specialists and the client do not. The client sees results only once the manager has passed
 * them on (client review, or the request's end).
 */
function checked(actor: Actor, s: RequestState, t: Task): { estimate: boolean; result: boolean } {
  const own = actor.role === 'specialist' && (actor.id === t.assigneeId || actor.id === t.mentorId || t.helperIds.includes(actor.id));
  if (own) return { estimate: true, result: true };
  const estimate = !['waiting', 'estimating', 'estimate_review'].includes(t.status);
  const result = t.status === 'done' && (actor.role !== 'client' || ['ClientReview', 'Closed', 'Cancelled'].includes(s.stage));
  return { estimate, result };
}

function maskTask(actor: Actor, s: RequestState, t: Task): Task {
  const seen = checked(actor, s, t);
  const { estimateHours: _e, bufferHours: _b, complexity: _c, result: _r, ...rest } = t;
  return {
    ...rest,
    ...(seen.estimate && t.estimateHours !== undefined ? { estimateHours: t.estimateHours, bufferHours: t.bufferHours ?? 0 } : {}),
    ...(seen.estimate && t.complexity !== undefined ? { complexity: t.complexity } : {}),
    ...(seen.result && t.result !== undefined ? { result: t.result } : {}),
  };
}

/** The task ids whose estimate and result this actor may not see yet, for the audit events that carry them. */
export function uncheckedTasks(actor: Actor, s: RequestState): { estimates: Set<string>; results: Set<string> } {
  const estimates = new Set<string>();
  const results = new Set<string>();
  for (const t of s.tasks) {
    const seen = checked(actor, s, t);
    if (!seen.estimate) estimates.add(t.id);
    if (!seen.result) results.add(t.id);
  }
  return { estimates, results };
}

/**
 * Staff see the whole request (its records — events, time entries, notifications, escalations —
 * are read from PostgreSQL: timeline, /time, inbox, escalations), except what a mentor has not yet
 * checked (R10); with `billing` when the caller worked it out (each task's budget, actual,
 * billable and non-billable hours by cause).
 */
export function staffView(actor: Actor, s: RequestState, billing?: RequestBilling) {
  const { events: _e, timeEntries: _t, notifications: _n, escalations: _x, ...rest } = s;
  return { ...rest, tasks: s.tasks.map((t) => maskTask(actor, s, t)), ...(billing ? { billing } : {}) };
}

/**
 * A client contact sees their request as a client would: stages, tasks and their progress,
 * estimates, deadlines, questions put to them, proposals (billable time: GET /requests/:id/time). Never internal notes
 * (events, blockers, questions between staff), non-billable hours, escalations, notifications
 * or who holds how much work.
 */
export function clientView(actor: Actor, s: RequestState) {
  return {
    requestId: s.requestId,
    ...(s.key !== undefined ? { key: s.key } : {}),
    clientId: s.clientId,
    title: s.title,
    description: s.description,
    priority: s.priority,
    stage: s.stage,
    version: s.version,
    /** Their contact at the support company. */
    managerId: s.managerId,
    path: s.path,
    createdAt: s.createdAt,
    ...(s.brief !== undefined ? { brief: s.brief } : {}),
    ...(s.resolution !== undefined ? { resolution: s.resolution } : {}),
    tasks: s.tasks.map((task) => maskTask(actor, s, task)).map((t) => ({
      id: t.id,
      title: t.title,
      status: t.status,
      progress: t.progress,
      ...(t.estimateHours !== undefined ? { estimateHours: roundQuarter(t.estimateHours + (t.bufferHours ?? 0)) } : {}),
      ...(t.approvedHours !== undefined ? { approvedHours: t.approvedHours } : {}),
      extensions: t.extensions.filter((x) => x.objective).map((x) => ({ hours: x.hours, cause: x.cause, objective: x.objective, agreedAt: x.agreedAt })),
      ...(t.deadlineAt !== undefined ? { deadlineAt: t.deadlineAt } : {}),
      ...(t.result !== undefined ? { result: t.result } : {}),
    })),
    ...(s.estimateTotalHours !== undefined ? { estimateTotalHours: s.estimateTotalHours } : {}),
    ...(s.hoursLeft !== undefined ? { hoursLeft: s.hoursLeft } : {}),
    ...(s.overageAcceptedHours !== undefined ? { overageAcceptedHours: s.overageAcceptedHours } : {}),
    estimateRejections: s.estimateRejections,
    ...(s.startedAt !== undefined ? { startedAt: s.startedAt } : {}),
    ...(s.deadlineAt !== undefined ? { deadlineAt: s.deadlineAt } : {}),
    slaPauses: s.slaPauses,
    questions: s.questions
      .filter((q) => q.clientQuestion !== undefined)
      .map((q) => ({ id: q.id, question: q.clientQuestion, status: q.status, ...(q.status === 'answered' ? { answer: q.answer, answeredAt: q.answeredAt } : {}) })),
    proposals: s.proposals.map((p) => ({ id: p.id, taskId: p.taskId, newDeadline: p.newDeadline, extraHours: p.extraHours, cause: p.cause, note: p.note, status: p.status, at: p.at })),
    linked: s.linked,
    ...(s.linkedFrom !== undefined ? { linkedFrom: s.linkedFrom } : {}),
    ...(s.closedAt !== undefined ? { closedAt: s.closedAt } : {}),
    ...(s.closure !== undefined ? { closure: s.closure } : {}),
    ...(s.cancellation !== undefined ? { cancellation: s.cancellation } : {}),
  };
}


export function viewFor(actor: Actor, state: RequestState, billing?: RequestBilling) {
  return actor.role === 'client' ? clientView(actor, state) : staffView(actor, state, billing);
}
