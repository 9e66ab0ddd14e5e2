// Each command's effect on the state, once allowed: `next` is the state with the command's audit
// event already recorded (and the version bumped). Pure.
import { addWorkingTime, formatMoment } from './calendar';
import { billability, riskBuffer, roundQuarter, type PolicyRef } from './policy';
import type { Command, CommandType, RequestContext } from './request';
import {
  afterCompletion,
  afterEstimate,
  autoCloseOf,
  calendarOf,
  escalate,
  escalateWaiting,
  findTask,
  finish,
  isPaused,
  keepLast,
  keepOpen,
  latestDeadline,
  notify,
  openTask,
  resumeSla,
  toClient,
  toWorkers,
  updateTask,
  withEventDetail,
  withTasks,
} from './request';
import type {
  Actor,
  RequestState,
  Task,
  TimeEntry,
} from './types';
import { OBJECTIVE_CAUSES } from './types';

export type Effect<K extends CommandType> = (
  state: RequestState,
  actor: Actor,
  cmd: Extract<Command, { type: K }>,
  at: string,
  ctx: RequestContext,
  next: RequestState,
) => RequestState;

export const EFFECTS: { [K in CommandType]: Effect<K> } = {
  triage: (state, actor, cmd, at, ctx, next) => {
      return cmd.decision === 'resolve'
        ? toClient({ ...next, path: 'manager', resolution: cmd.resolution, stage: 'ClientReview', clientReviewSince: at }, at, 'review.client', 'resolved; please confirm')
        : { ...next, path: 'specialists', stage: 'Decomposition' };
  },
  decompose: (state, actor, cmd, at, ctx, next) => {
      const tasks = withTasks(state, cmd.tasks);
      const decomposed: RequestState = { ...next, brief: cmd.brief, tasks, stage: 'Estimation' };
      const ids = tasks.map((t) => t.id);
      return escalateWaiting(toWorkers(decomposed, at, ids, 'task.assigned', 'a task for you; read the brief and estimate it'), at, ids);
  },
  askQuestion: (state, actor, cmd, at, ctx, next) => {
      const no = state.counters.questions + 1;
      const q = { id: `Q${no}`, askedBy: actor.id, text: cmd.text, status: 'open' as const, askedAt: at, ...(cmd.taskId ? { taskId: cmd.taskId } : {}) };
      return notify({ ...next, counters: { ...next.counters, questions: no }, questions: [...state.questions, q] }, at, 'manager', state.managerId, 'question.asked', `${state.title}: ${cmd.text}`);
  },
  answerQuestion: (state, actor, cmd, at, ctx, next) => {
      const q = state.questions.find((x) => x.id === cmd.questionId);
      const questions = keepOpen(state.questions.map((x) => (x.id === cmd.questionId ? { ...x, status: 'answered' as const, answer: cmd.answer, answeredAt: at } : x)), (x) => x.status !== 'answered');
      return notify({ ...next, questions }, at, 'specialist', q?.askedBy, 'question.answered', `${state.title}: ${cmd.answer}`);
  },
  askClient: (state, actor, cmd, at, ctx, next) => {
      const existing = cmd.questionId === undefined ? undefined : state.questions.find((x) => x.id === cmd.questionId);
      const no = existing ? state.counters.questions : state.counters.questions + 1;
      const questions = existing
        ? state.questions.map((x) => (x.id === existing.id ? { ...x, status: 'client' as const, clientQuestion: cmd.text } : x))
        : [...state.questions, { id: `Q${no}`, askedBy: actor.id, text: cmd.text, clientQuestion: cmd.text, status: 'client' as const, askedAt: at }];
      // R13: while the request waits on the client, its SLA clock pauses, recording who it waits on.
      const slaPauses = isPaused(state) ? state.slaPauses : keepLast([...state.slaPauses, { from: at, waitingOn: 'client' as const, reason: cmd.text }]);
      return toClient({ ...next, counters: { ...next.counters, questions: no }, questions, slaPauses }, at, 'question.client', cmd.text);
  },
  answerClient: (state, actor, cmd, at, ctx, next) => {
      const q = state.questions.find((x) => x.id === cmd.questionId);
      const questions = keepOpen(state.questions.map((x) => (x.id === cmd.questionId ? { ...x, status: 'answered' as const, answer: cmd.answer, answeredAt: at } : x)), (x) => x.status !== 'answered');
      let s: RequestState = { ...next, questions };
      if (!questions.some((x) => x.status === 'client')) s = resumeSla(s, at);
      s = notify(s, at, 'manager', state.managerId, 'question.answered', `${state.title}: the client answered: ${cmd.answer}`);
      return q && q.askedBy !== state.managerId ? notify(s, at, 'specialist', q.askedBy, 'question.answered', `${state.title}: ${cmd.answer}`) : s;
  },
  estimate: (state, actor, cmd, at, ctx, next) => {
      const task = findTask(state, cmd.taskId) as Task;
      const hours = roundQuarter(cmd.hours);
      const status = task.mentorId ? 'estimate_review' : 'estimated';
      const tasks = updateTask(state, cmd.taskId, (t) => ({ ...t, status, estimateHours: hours, complexity: cmd.complexity, bufferHours: riskBuffer(hours, cmd.complexity, ctx.buffer) }));
      // R10: a junior's estimate goes to the senior mentor before anyone else sees it.
      if (task.mentorId) return notify({ ...next, tasks }, at, 'specialist', task.mentorId, 'estimate.review', `${state.title}: check the estimate of ${task.id}`);
      return afterEstimate({ ...next, tasks }, at);
  },
  reviewEstimate: (state, actor, cmd, at, ctx, next) => {
      const approve = cmd.verdict === 'approve';
      const tasks = updateTask(state, cmd.taskId, (t) => ({ ...t, status: approve ? 'estimated' : 'estimating' }));
      if (approve) return afterEstimate({ ...next, tasks }, at);
      const task = findTask(state, cmd.taskId) as Task;
      return notify({ ...next, tasks }, at, 'specialist', task.assigneeId, 'estimate.returned', `${state.title}: ${cmd.comment}`);
  },
  approveEstimate: (state, actor, cmd, at, ctx, next) => {
      const startedAt = state.startedAt ?? at;
      const cal = calendarOf(state, ctx);
      const tasks = state.tasks.map((t): Task => {
        if (t.approvedHours !== undefined || t.status === 'cancelled') return t;
        const approvedHours = roundQuarter((t.estimateHours ?? 0) + (t.bufferHours ?? 0));
        // R15: deadline = start + estimate on the working calendar.
        return { ...t, approvedHours, status: 'in_progress', deadlineAt: addWorkingTime(at, approvedHours * 3600_000, cal) };
      });
      const overage = state.hoursLeft !== undefined ? Math.max(0, roundQuarter((state.estimateTotalHours ?? 0) - Math.max(0, state.hoursLeft))) : 0;
      const started: RequestState = {
        // The timeline says "overage" only when there was one (R14).
        ...withEventDetail(next, { overageHours: overage }),
        tasks,
        startedAt,
        deadlineAt: latestDeadline(tasks),
        ...(overage > 0 ? { overageAcceptedHours: roundQuarter((state.overageAcceptedHours ?? 0) + overage) } : {}),
      };
      const working = tasks.filter(openTask).map((t) => t.id);
      const notified = toWorkers(started, at, working, 'work.approved', `approved; the deadline is ${started.deadlineAt ? formatMoment(started.deadlineAt, state.timeZone) : 'not set'}`);
      return tasks.some(openTask) ? { ...notified, stage: 'Execution' } : afterCompletion(notified, at);
  },
  rejectEstimate: (state, actor, cmd, at, ctx, next) => {
      const estimateRejections = keepLast([...state.estimateRejections, { comment: cmd.comment, at }]);
      if (cmd.next === 'cancel') {
        return finish({ ...next, estimateRejections, stage: 'Cancelled', cancellation: { by: actor.id, role: actor.role, reason: cmd.comment } }, at);
      }
      const tasks = state.tasks.map((t): Task => {
        if (t.approvedHours !== undefined || t.status === 'cancelled') return t;
        const { estimateHours: _e, bufferHours: _b, complexity: _c, ...rest } = t;
        return { ...rest, status: 'estimating' };
      });
      const { estimateTotalHours: _t, hoursLeft: _h, ...rest } = next;
      const back: RequestState = { ...rest, estimateRejections, tasks, stage: 'Estimation' };
      return notify(back, at, 'manager', state.managerId, 'estimate.rejected', `${state.title}: ${cmd.comment}`);
  },
  reportProgress: (state, actor, cmd, at, ctx, next) => {
      return { ...next, tasks: updateTask(state, cmd.taskId, (t) => ({ ...t, progress: Math.round(cmd.percent) })) };
  },
  logTime: (state, actor, cmd, at, ctx, next) => {
      const decision = billability(cmd.category, actor.role, cmd.minutes, ctx.quickAnswerMinutes);
      const entry = {
        id: `${state.requestId}:te:${state.counters.timeEntries + 1}`,
        revision: 1,
        personId: actor.id,
        role: actor.role,
        minutes: cmd.minutes,
        category: cmd.category,
        billable: decision.billable,
        billableReason: decision.reason,
        note: cmd.note,
        at,
        ...(cmd.taskId !== undefined ? { taskId: cmd.taskId } : {}),
      };
      return { ...next, counters: { ...next.counters, timeEntries: next.counters.timeEntries + 1 }, timeEntries: [...state.timeEntries, entry] };
  },
  correctTime: (state, actor, cmd, at, ctx, next) => {
      const before = (state.timeEntries.find((e) => e.id === cmd.entryId) ?? cmd.before) as TimeEntry;
      const minutes = cmd.minutes ?? before.minutes;
      const category = cmd.category ?? before.category;
      const decision = billability(category, before.role, minutes, ctx.quickAnswerMinutes);
      const after: TimeEntry = { ...before, minutes, category, note: cmd.note ?? before.note, billable: decision.billable, billableReason: decision.reason, revision: before.revision + 1 };
      const audited = { ...next, events: next.events.map((e, i) => (i === next.events.length - 1 ? { ...e, detail: { ...e.detail, before: { minutes: before.minutes, category: before.category, note: before.note } } } : e)) };
      // The corrected entry replaces the one held (if any) or joins those to be written.
      const held = state.timeEntries.some((e) => e.id === cmd.entryId);
      return { ...audited, timeEntries: held ? state.timeEntries.map((e) => (e.id === cmd.entryId ? after : e)) : [...state.timeEntries, after] };
  },
  reportBlocker: (state, actor, cmd, at, ctx, next) => {
      const no = state.counters.blockers + 1;
      const blocker = { id: `B${no}`, taskId: cmd.taskId, reportedBy: actor.id, description: cmd.description, at };
      // R16: reported at once; the manager owns it until a new deadline is agreed.
      return escalate({ ...next, counters: { ...next.counters, blockers: no }, blockers: keepLast([...state.blockers, blocker]) }, {
        kind: 'blocker',
        ownerRole: 'manager',
        ownerId: state.managerId,
        taskId: cmd.taskId,
        cause: `blocker on ${cmd.taskId}: ${cmd.description}`,
        at,
      });
  },
  proposeDeadline: (state, actor, cmd, at, ctx, next) => {
      const proposalNo = state.counters.proposals + 1;
      const proposal = {
        id: `D${proposalNo}`,
        taskId: cmd.taskId,
        newDeadline: new Date(cmd.newDeadline).toISOString(),
        extraHours: roundQuarter(cmd.extraHours),
        cause: cmd.cause,
        note: cmd.note,
        proposedBy: actor.id,
        at,
        status: 'pending' as const,
      };
      const billable = OBJECTIVE_CAUSES.includes(cmd.cause) && proposal.extraHours > 0 ? `, ${proposal.extraHours} h more billable` : '';
      return toClient({ ...next, counters: { ...next.counters, proposals: proposalNo }, proposals: [...state.proposals, proposal] }, at, 'deadline.proposed', `new deadline proposed for ${cmd.taskId}: ${formatMoment(proposal.newDeadline, state.timeZone)} (${cmd.note}${billable})`);
  },
  agreeDeadline: (state, actor, cmd, at, ctx, next) => {
      const p = state.proposals.find((x) => x.id === cmd.proposalId);
      if (!p) return next;
      const proposals = keepOpen(
        state.proposals.map((x) => (x.id === p.id ? { ...x, status: cmd.agree ? ('agreed' as const) : ('declined' as const) } : x)),
        (x) => x.status === 'pending',
      );
      if (!cmd.agree) {
        return notify({ ...next, proposals }, at, 'manager', state.managerId, 'deadline.declined', `${state.title}: the client declined the new deadline${cmd.comment ? `: ${cmd.comment}` : ''}`);
      }
      // R18: objective causes extend the billable budget; internal ones move only the deadline.
      const objective = OBJECTIVE_CAUSES.includes(p.cause);
      const tasks = updateTask(state, p.taskId, (t) => ({
        ...t,
        deadlineAt: p.newDeadline,
        extensions: [...t.extensions, { hours: p.extraHours, cause: p.cause, objective, agreedAt: at }],
        ...(objective ? { approvedHours: roundQuarter((t.approvedHours ?? 0) + p.extraHours) } : {}),
      }));
      const moved: RequestState = { ...next, proposals, tasks, deadlineAt: latestDeadline(tasks) };
      return toWorkers(notify(moved, at, 'manager', state.managerId, 'deadline.agreed', `${state.title}: new deadline agreed for ${p.taskId}`), at, [p.taskId], 'deadline.agreed', `the deadline of ${p.taskId} is now ${formatMoment(p.newDeadline, state.timeZone)}`);
  },
  addSpecialist: (state, actor, cmd, at, ctx, next) => {
      if (!cmd.specialistId) throw new Error('addSpecialist needs the specialist resolved first');
      const helper = cmd.specialistId;
      const tasks = updateTask(state, cmd.taskId, (t) => ({ ...t, helperIds: [...t.helperIds, helper] }));
      return notify({ ...next, tasks }, at, 'specialist', helper, 'task.helper', `${state.title}: you were added to ${cmd.taskId}`);
  },
  declineTask: (state, actor, cmd, at, ctx, next) => {
      const a = cmd.allocation ?? { waitingFor: 'capacity' as const };
      const tasks = updateTask(state, cmd.taskId, (t) => {
        const { assigneeId: _a, mentorId: _m, estimateHours: _e, bufferHours: _b, complexity: _c, waitingFor: _w, ...rest } = t;
        return {
          ...rest,
          declinedBy: [...t.declinedBy, actor.id],
          ...(a.assigneeId ? { assigneeId: a.assigneeId, status: 'estimating' as const } : { waitingFor: a.waitingFor ?? 'capacity', status: 'waiting' as const }),
          ...(a.mentorId ? { mentorId: a.mentorId } : {}),
        };
      });
      const s1 = notify({ ...next, tasks }, at, 'manager', state.managerId, 'task.declined', `${state.title}: ${cmd.taskId} was declined: ${cmd.reason}`);
      const s2 = a.assigneeId ? toWorkers(s1, at, [cmd.taskId], 'task.assigned', 'a task for you; read the brief and estimate it') : s1;
      return escalateWaiting(s2, at, [cmd.taskId]);
  },
  changePriority: (state, actor, cmd, at, ctx, next) => {
      return { ...next, priority: cmd.priority };
  },
  reassignTask: (state, actor, cmd, at, ctx, next) => {
      const tasks = updateTask(state, cmd.taskId, (t) => {
        const { waitingFor: _w, mentorId: _m, estimateHours: _e, bufferHours: _b, complexity: _c, ...rest } = t;
        return { ...rest, assigneeId: cmd.specialistId, status: 'estimating', ...(cmd.mentorId ? { mentorId: cmd.mentorId } : {}) };
      });
      return toWorkers({ ...next, tasks }, at, [cmd.taskId], 'task.assigned', 'a task for you; read the brief and estimate it');
  },
  completeTask: (state, actor, cmd, at, ctx, next) => {
      const task = findTask(state, cmd.taskId) as Task;
      // R10: a junior's result goes to the senior mentor first.
      if (task.mentorId) {
        const tasks = updateTask(state, cmd.taskId, (t) => ({ ...t, status: 'result_review', result: cmd.result, progress: 100 }));
        return notify({ ...next, tasks }, at, 'specialist', task.mentorId, 'result.review', `${state.title}: check the result of ${task.id}`);
      }
      const tasks = updateTask(state, cmd.taskId, (t) => ({ ...t, status: 'done', result: cmd.result, progress: 100 }));
      return afterCompletion({ ...next, tasks }, at);
  },
  reviewResult: (state, actor, cmd, at, ctx, next) => {
      const approve = cmd.verdict === 'approve';
      const tasks = updateTask(state, cmd.taskId, (t) => ({ ...t, status: approve ? 'done' : 'in_progress', ...(approve ? {} : { progress: 90 }) }));
      if (approve) return afterCompletion({ ...next, tasks }, at);
      const task = findTask(state, cmd.taskId) as Task;
      return notify({ ...next, tasks }, at, 'specialist', task.assigneeId, 'result.returned', `${state.title}: ${cmd.comment}`);
  },
  acceptResult: (state, actor, cmd, at, ctx, next) => {
      return toClient({ ...next, stage: 'ClientReview', clientReviewSince: at, remindersSent: 0 }, at, 'review.client', 'the result is ready for your review');
  },
  rework: (state, actor, cmd, at, ctx, next) => {
      const targets = cmd.taskIds ?? state.tasks.filter((t) => t.status !== 'cancelled').map((t) => t.id);
      const tasks = state.tasks.map((t): Task => (targets.includes(t.id) ? { ...t, status: 'in_progress', reworkCount: t.reworkCount + 1 } : t));
      const { clientReviewSince: _s, ...rest } = next;
      return toWorkers({ ...rest, tasks, stage: 'Execution', reworkCount: state.reworkCount + 1 }, at, targets, 'task.rework', cmd.reason);
  },
  changeScope: (state, actor, cmd, at, ctx, next) => {
      const tasks = withTasks(state, cmd.tasks);
      const added = tasks.slice(state.tasks.length).map((t) => t.id);
      const { estimateTotalHours: _t, hoursLeft: _h, clientReviewSince: _s, ...rest } = next;
      return escalateWaiting(toWorkers({ ...rest, tasks, stage: 'Estimation' }, at, added, 'task.assigned', 'a task for you; read the brief and estimate it'), at, added);
  },
  openLinkedRequest: (state, actor, cmd, at, ctx, next) => {
      return cmd.linkedRequestId ? { ...next, linked: keepLast([...state.linked, cmd.linkedRequestId]) } : next;
  },
  confirmClosure: (state, actor, cmd, at, ctx, next) => {
      return finish({ ...next, stage: 'Closed', closure: { by: actor.id, role: actor.role, ...(cmd.note !== undefined ? { note: cmd.note } : {}) } }, at);
  },
  cancel: (state, actor, cmd, at, ctx, next) => {
      return finish({ ...next, stage: 'Cancelled', cancellation: { by: actor.id, role: actor.role, reason: cmd.reason } }, at);
  },
  applyPolicy: (state, actor, cmd, at, ctx, next) => {
      const moved = movedByPolicy(state, cmd.context as RequestContext);
      const ref = (cmd.context as RequestContext).policyRef as PolicyRef;
      // The event says what moved, not the whole calendar: the policy version itself is kept in PostgreSQL.
      const detail = { policyId: ref.policyId, name: ref.name, version: ref.version, reason: cmd.reason, ...(state.policy ? { from: state.policy } : {}), ...moved.detail };
      const events = next.events.map((e, i) => (i === next.events.length - 1 ? { ...e, detail } : e));
      const { autoCloseAfterDays: _a, ...rest } = { ...next, events };
      return { ...rest, ...moved.state, policy: ref };
  },
  reply: (state, actor, cmd, at, ctx, next) => {
      if (actor.role !== 'client') return toClient(next, at, 'message.reply', `a reply from the team: ${cmd.excerpt}`);
      // R13: the client's reply answers what was put to them, and the clock runs again.
      const asked = state.questions.filter((q) => q.status === 'client');
      const questions = keepOpen(
        state.questions.map((q) => (q.status === 'client' ? { ...q, status: 'answered' as const, answer: cmd.excerpt, answeredAt: at } : q)),
        (q) => q.status !== 'answered',
      );
      let s: RequestState = { ...next, questions };
      if (isPaused(s)) s = resumeSla(s, at);
      // R21: a reply is not silence: the reminders and the auto-close count from it.
      if (state.stage === 'ClientReview') s = { ...s, clientReviewSince: at, remindersSent: 0 };
      s = notify(s, at, 'manager', state.managerId, 'message.client', `${state.title}: the client wrote: ${cmd.excerpt}`);
      const askers = new Set(asked.map((q) => q.askedBy).filter((id) => id !== state.managerId));
      return [...askers].reduce((acc, id) => notify(acc, at, 'specialist', id, 'question.answered', `${state.title}: the client wrote: ${cmd.excerpt}`), s);
  },
};

/**
 * What moving to another policy version changes on a running request: the triage deadline (while
 * in triage and not yet escalated), recounted from intake under the new SLA and calendar, keeping
 * the time paused for the client; and the auto-close days. Agreed task deadlines stay as agreed.
 */
export function movedByPolicy(state: RequestState, ctx: RequestContext): { state: Pick<RequestState, 'triageDueAt'> & { autoCloseAfterDays?: number }; detail: Record<string, unknown> } {
  const autoClose = autoCloseOf(ctx, state.autoCloseAfterDays);
  let triageDueAt = state.triageDueAt;
  if (state.stage === 'Triage' && !state.escalated.triage) {
    const paused = state.slaPauses.reduce((ms, p) => ms + (p.to ? Date.parse(p.to) - Date.parse(p.from) : 0), 0);
    triageDueAt = new Date(Date.parse(addWorkingTime(state.createdAt, ctx.policy.triageSlaMs[state.priority], calendarOf(state, ctx))) + paused).toISOString();
  }
  const detail: Record<string, unknown> = {};
  if (triageDueAt !== state.triageDueAt) detail.triageDueAt = { from: state.triageDueAt, to: triageDueAt };
  if (autoClose !== state.autoCloseAfterDays) detail.autoCloseAfterDays = { from: state.autoCloseAfterDays ?? null, to: autoClose ?? null };
  return { state: { triageDueAt, ...(autoClose !== undefined ? { autoCloseAfterDays: autoClose } : {}) }, detail };
}
