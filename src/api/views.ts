// What each actor may see of a request, decided in one place.
import type { Actor, RequestState } from '../domain';

/**
 * A client contact sees their request as a client would: stages, tasks and their progress,
 * estimates, deadlines, questions put to them, proposals, billable time. Never internal notes
 * (events, blockers, questions between staff), non-billable hours, escalations, notifications
 * or who holds how much work.
 */
export function clientView(s: RequestState) {
  return {
    requestId: s.requestId,
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
    tasks: s.tasks.map((t) => ({
      id: t.id,
      title: t.title,
      status: t.status,
      progress: t.progress,
      ...(t.estimateHours !== undefined ? { estimateHours: roundTotal(t.estimateHours + (t.bufferHours ?? 0)) } : {}),
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
    timeEntries: s.timeEntries.filter((e) => e.billable).map((e) => ({ id: e.id, taskId: e.taskId, minutes: e.minutes, category: e.category, at: e.at })),
    linked: s.linked,
    ...(s.linkedFrom !== undefined ? { linkedFrom: s.linkedFrom } : {}),
    ...(s.closedAt !== undefined ? { closedAt: s.closedAt } : {}),
    ...(s.closure !== undefined ? { closure: s.closure } : {}),
    ...(s.cancellation !== undefined ? { cancellation: s.cancellation } : {}),
  };
}

const roundTotal = (h: number) => Math.round(h * 4) / 4;

export function viewFor(actor: Actor, state: RequestState) {
  return actor.role === 'client' ? clientView(state) : state;
}
