// Each command's check: is it allowed for this person now? `undefined` means yes. Pure; the same
// function decides in the workflow's validator, in the API before a Signal, and in the tests.
import { roundQuarter } from './policy';
import type { Command, CommandType, NewTask, Rejection } from './request';
import { findTask } from './request';
import type {
  Actor,
  RequestState,
  Stage,
  Task,
  TimeCategory,
} from './types';

export type Check<K extends CommandType> = (state: RequestState, actor: Actor, cmd: Extract<Command, { type: K }>) => Rejection | undefined;

export const forbidden = (message: string): Rejection => ({ code: 'forbidden', message });
export const conflict = (message: string): Rejection => ({ code: 'conflict', message });
export const invalid = (message: string): Rejection => ({ code: 'invalid', message });

export function isOwningManager(state: RequestState, actor: Actor): boolean {
  return (actor.role === 'manager' && actor.id === state.managerId) || actor.role === 'head';
}

export function isOwnClient(state: RequestState, actor: Actor): boolean {
  return actor.role === 'client' && actor.clientId === state.clientId;
}

export function worksOn(task: Task, actor: Actor): boolean {
  return actor.role === 'specialist' && (task.assigneeId === actor.id || task.helperIds.includes(actor.id));
}

export function onAnyTask(state: RequestState, actor: Actor): boolean {
  return state.tasks.some((t) => worksOn(t, actor) || t.mentorId === actor.id);
}

export function stageIs(state: RequestState, ...stages: Stage[]): Rejection | undefined {
  if (stages.includes(state.stage)) return undefined;
  return conflict(`the request is in stage ${state.stage}; this action needs ${stages.join(' or ')}`);
}

export function requireManager(state: RequestState, actor: Actor): Rejection | undefined {
  return isOwningManager(state, actor) ? undefined : forbidden("only the request's manager or the head may do this");
}

export function requireClient(state: RequestState, actor: Actor): Rejection | undefined {
  return isOwnClient(state, actor) ? undefined : forbidden("only a contact of the request's client may do this");
}

export const blank = (s: string | undefined) => s === undefined || s.trim() === '';

export function checkNewTasks(tasks: NewTask[]): Rejection | undefined {
  if (tasks.length === 0) return invalid('at least one task is required');
  // R4: no task reaches a specialist without a required skill.
  if (tasks.some((t) => blank(t.title) || blank(t.skill))) return invalid('every task needs a title and a required skill');
  return undefined;
}

/** A task command: the task exists, the actor works on it, and it is in one of the statuses. */
export function taskFor(
  state: RequestState,
  actor: Actor,
  taskId: string,
  who: 'worker' | 'assignee' | 'mentor',
  ...statuses: Task['status'][]
): Rejection | undefined {
  const task = findTask(state, taskId);
  if (!task) return invalid(`no task ${taskId}`);
  const allowed =
    who === 'mentor'
      ? actor.role === 'specialist' && actor.id === task.mentorId
      : who === 'assignee'
        ? actor.role === 'specialist' && actor.id === task.assigneeId
        : worksOn(task, actor);
  if (!allowed) return forbidden(`only the task's ${who === 'worker' ? 'assignee or helpers' : who} may do this`);
  if (statuses.length > 0 && !statuses.includes(task.status)) return conflict(`task ${task.id} is ${task.status}`);
  return undefined;
}

/** Time spent doing the work itself: only on work the client has approved (R14). */
const WORK_CATEGORIES: readonly TimeCategory[] = ['execution', 'rework'];

const OPEN_AFTER_BRIEF: Stage[] = ['Estimation', 'ClientApproval', 'Execution', 'InternalReview', 'ClientReview'];

export const CHECKS: { [K in CommandType]: Check<K> } = {
  triage: (state, actor, cmd) => {
      return (
        requireManager(state, actor) ??
        stageIs(state, 'Triage') ??
        (cmd.decision === 'resolve' && blank(cmd.resolution) ? invalid('a resolution is required') : undefined)
      );
  },
  decompose: (state, actor, cmd) => {
      return (
        requireManager(state, actor) ??
        stageIs(state, 'Decomposition') ??
        // R4: no task reaches a specialist without a clear brief written by the manager.
        (blank(cmd.brief) ? invalid('a brief is required') : undefined) ??
        checkNewTasks(cmd.tasks)
      );
  },
  askQuestion: (state, actor, cmd) => {
      if (cmd.taskId !== undefined) {
        const r = taskFor(state, actor, cmd.taskId, 'worker');
        if (r) return r;
      } else if (!onAnyTask(state, actor)) return forbidden('only a specialist on the request may ask about its brief');
      return stageIs(state, ...OPEN_AFTER_BRIEF) ?? (blank(cmd.text) ? invalid('a question is required') : undefined);
  },
  answerQuestion: (state, actor, cmd) => {
      const q = state.questions.find((x) => x.id === cmd.questionId);
      return (
        requireManager(state, actor) ??
        (!q ? invalid(`no question ${cmd.questionId}`) : undefined) ??
        (q?.status !== 'open' ? conflict(`question ${cmd.questionId} is ${q?.status}`) : undefined) ??
        (blank(cmd.answer) ? invalid('an answer is required') : undefined)
      );
  },
  askClient: (state, actor, cmd) => {
      const q = cmd.questionId === undefined ? undefined : state.questions.find((x) => x.id === cmd.questionId);
      return (
        requireManager(state, actor) ??
        (cmd.questionId !== undefined && !q ? invalid(`no question ${cmd.questionId}`) : undefined) ??
        (q && q.status !== 'open' ? conflict(`question ${q.id} is ${q.status}`) : undefined) ??
        (blank(cmd.text) ? invalid('the question for the client is required') : undefined)
      );
  },
  answerClient: (state, actor, cmd) => {
      const q = state.questions.find((x) => x.id === cmd.questionId);
      return (
        requireClient(state, actor) ??
        (!q ? invalid(`no question ${cmd.questionId}`) : undefined) ??
        (q?.status !== 'client' ? conflict(`question ${cmd.questionId} is not waiting for the client`) : undefined) ??
        (blank(cmd.answer) ? invalid('an answer is required') : undefined)
      );
  },
  estimate: (state, actor, cmd) => {
      const r = taskFor(state, actor, cmd.taskId, 'assignee', 'estimating', 'estimated', 'estimate_review');
      if (r) return r;
      if (state.questions.some((q) => q.taskId === cmd.taskId && q.status !== 'answered')) {
        return conflict('the brief of this task has an open question; estimate once it is answered');
      }
      return stageIs(state, 'Estimation') ?? (!(cmd.hours > 0) ? invalid('hours must be positive') : undefined);
  },
  reviewEstimate: (state, actor, cmd) => {
      return (
        taskFor(state, actor, cmd.taskId, 'mentor', 'estimate_review') ??
        (cmd.verdict === 'return' && blank(cmd.comment) ? invalid('a returned estimate needs a comment') : undefined)
      );
  },
  approveEstimate: (state, actor, cmd) => {
      const r = requireClient(state, actor) ?? stageIs(state, 'ClientApproval');
      if (r) return r;
      const total = state.estimateTotalHours ?? 0;
      if (state.hoursLeft !== undefined && total > state.hoursLeft && cmd.acceptOverage !== true) {
        return conflict(
          `the estimate of ${total} h exceeds the ${state.hoursLeft} h left in this month's subscription; approve with acceptOverage: true to accept ${roundQuarter(total - Math.max(0, state.hoursLeft))} h of overage`,
        );
      }
      return undefined;
  },
  rejectEstimate: (state, actor, cmd) => {
      return requireClient(state, actor) ?? stageIs(state, 'ClientApproval') ?? (blank(cmd.comment) ? invalid('a comment is required') : undefined);
  },
  reportProgress: (state, actor, cmd) => {
      return (
        taskFor(state, actor, cmd.taskId, 'worker', 'in_progress') ??
        (cmd.percent < 0 || cmd.percent > 100 ? invalid('percent is 0 to 100') : undefined)
      );
  },
  logTime: (state, actor, cmd) => {
      const onRequest = isOwningManager(state, actor) || onAnyTask(state, actor);
      if (!onRequest) return forbidden("only the request's manager, the head or a specialist on it may log time");
      const task = cmd.taskId === undefined ? undefined : findTask(state, cmd.taskId);
      if (cmd.taskId !== undefined && !task) return invalid(`no task ${cmd.taskId}`);
      if (actor.role === 'specialist' && task && !worksOn(task, actor)) {
        // A mentor logs their checking on the junior's task; nobody logs on a task that is not theirs.
        if (task.mentorId !== actor.id) return forbidden(`only the people working on ${task.id} log time on it`);
        if (cmd.category !== 'mentoring' && cmd.category !== 'review') return forbidden(`as the mentor of ${task.id} you log mentoring or review time on it`);
      }
      if (WORK_CATEGORIES.includes(cmd.category)) {
        // R14: work starts only after the client has approved its estimate.
        if (task && (task.approvedHours === undefined || task.status === 'cancelled')) {
          return conflict(`work on ${task.id} starts only after the client approves its estimate`);
        }
        if (!task && actor.role === 'specialist') return invalid('execution and rework time is logged against a task');
        if (!task && state.path === 'specialists' && !state.tasks.some((t) => t.approvedHours !== undefined)) {
          return conflict('work starts only after the client approves the estimate');
        }
      }
      return !(cmd.minutes > 0) ? invalid('minutes must be positive') : undefined;
  },
  correctTime: (state, actor, cmd) => {
      // R22: people correct their own entries; the audit trail keeps what was there before.
      // The state's own copy (a correction not yet written) is the newest; else the read model's.
      const entry = state.timeEntries.find((e) => e.id === cmd.entryId) ?? cmd.before;
      if (!entry) {
        // Written to the read model and no longer in the state: the workflow looks it up, then checks again.
        const n = Number(/:te:(\d+)$/.exec(cmd.entryId)?.[1] ?? 0);
        return n >= 1 && n <= state.counters.timeEntries && cmd.entryId.startsWith(`${state.requestId}:te:`) ? undefined : invalid(`no time entry ${cmd.entryId}`);
      }
      if (entry.id !== cmd.entryId) return invalid(`no time entry ${cmd.entryId}`);
      if (entry.personId !== actor.id) return forbidden('people correct only their own time entries');
      if (cmd.minutes === undefined && cmd.category === undefined && cmd.note === undefined) return invalid('nothing to correct');
      const task = entry.taskId === undefined ? undefined : findTask(state, entry.taskId);
      if (cmd.category !== undefined && WORK_CATEGORIES.includes(cmd.category) && task && task.approvedHours === undefined) {
        return conflict(`work on ${task.id} starts only after the client approves its estimate`);
      }
      return cmd.minutes !== undefined && !(cmd.minutes > 0) ? invalid('minutes must be positive') : undefined;
  },
  reportBlocker: (state, actor, cmd) => {
      return (
        taskFor(state, actor, cmd.taskId, 'worker', 'in_progress') ??
        (blank(cmd.description) ? invalid('describe the difficulty') : undefined)
      );
  },
  proposeDeadline: (state, actor, cmd) => {
      const r = requireManager(state, actor) ?? stageIs(state, 'Execution');
      if (r) return r;
      const task = findTask(state, cmd.taskId);
      if (!task) return invalid(`no task ${cmd.taskId}`);
      if (task.status === 'done' || task.status === 'cancelled') return conflict(`task ${task.id} is ${task.status}`);
      if (Number.isNaN(Date.parse(cmd.newDeadline))) return invalid('newDeadline must be a date-time');
      if (cmd.extraHours < 0) return invalid('extraHours cannot be negative');
      if (state.proposals.some((p) => p.taskId === cmd.taskId && p.status === 'pending')) {
        return conflict(`task ${cmd.taskId} already has a proposal waiting for the client`);
      }
      return blank(cmd.note) ? invalid('the reason for the client is required') : undefined;
  },
  agreeDeadline: (state, actor, cmd) => {
      const p = state.proposals.find((x) => x.id === cmd.proposalId);
      return (
        requireClient(state, actor) ??
        (!p ? invalid(`no proposal ${cmd.proposalId}`) : undefined) ??
        (p?.status !== 'pending' ? conflict(`proposal ${cmd.proposalId} is ${p?.status}`) : undefined)
      );
  },
  addSpecialist: (state, actor, cmd) => {
      const r = requireManager(state, actor) ?? stageIs(state, 'Estimation', 'ClientApproval', 'Execution');
      if (r) return r;
      const task = findTask(state, cmd.taskId);
      if (!task) return invalid(`no task ${cmd.taskId}`);
      if (cmd.specialistId !== undefined && (cmd.specialistId === task.assigneeId || task.helperIds.includes(cmd.specialistId))) {
        return conflict('this specialist already works on the task');
      }
      return undefined;
  },
  declineTask: (state, actor, cmd) => {
      // R7: a busy specialist gives a task back before the work starts, with a reason.
      return (
        taskFor(state, actor, cmd.taskId, 'assignee', 'estimating', 'estimated', 'estimate_review') ??
        (blank(cmd.reason) ? invalid('a reason is required') : undefined)
      );
  },
  reassignTask: (state, actor, cmd) => {
      // R8: the head assigns someone (over capacity if need be); a proposal of the workload review is applied.
      const task = findTask(state, cmd.taskId);
      return (
        requireManager(state, actor) ??
        (!task ? invalid(`no task ${cmd.taskId}`) : undefined) ??
        (task && !['waiting', 'estimating', 'estimated', 'estimate_review'].includes(task.status) ? conflict(`task ${cmd.taskId} is ${task.status}; work has started`) : undefined) ??
        (task?.assigneeId === cmd.specialistId ? conflict('the task is already theirs') : undefined) ??
        (blank(cmd.reason) ? invalid('a reason is required') : undefined)
      );
  },
  changePriority: (state, actor, cmd) => {
      return (
        requireManager(state, actor) ??
        (cmd.priority === state.priority ? conflict(`the request is already ${cmd.priority}`) : undefined) ??
        (blank(cmd.reason) ? invalid('a reason is required') : undefined)
      );
  },
  completeTask: (state, actor, cmd) => {
      return (
        taskFor(state, actor, cmd.taskId, 'assignee', 'in_progress') ??
        stageIs(state, 'Execution') ??
        (blank(cmd.result) ? invalid('a result description is required') : undefined)
      );
  },
  reviewResult: (state, actor, cmd) => {
      return (
        taskFor(state, actor, cmd.taskId, 'mentor', 'result_review') ??
        (cmd.verdict === 'return' && blank(cmd.comment) ? invalid('a returned result needs a comment') : undefined)
      );
  },
  acceptResult: (state, actor, _cmd) => {
      return requireManager(state, actor) ?? stageIs(state, 'InternalReview');
  },
  rework: (state, actor, cmd) => {
      // R19: the manager returns a result from internal review; R20: the client asks for changes.
      const who =
        state.stage === 'InternalReview'
          ? requireManager(state, actor)
          : state.stage === 'ClientReview'
            ? requireClient(state, actor)
            : undefined;
      return (
        stageIs(state, 'InternalReview', 'ClientReview') ??
        who ??
        (state.path !== 'specialists' ? conflict('a request resolved by the manager has no tasks to rework') : undefined) ??
        (blank(cmd.reason) ? invalid('a reason is required') : undefined) ??
        (cmd.taskIds?.find((id) => !findTask(state, id)) !== undefined ? invalid('unknown task in taskIds') : undefined)
      );
  },
  changeScope: (state, actor, cmd) => {
      return (
        requireManager(state, actor) ??
        stageIs(state, ...OPEN_AFTER_BRIEF) ??
        (state.path !== 'specialists' ? conflict('a request resolved by the manager has no tasks') : undefined) ??
        (blank(cmd.reason) ? invalid('a reason is required') : undefined) ??
        checkNewTasks(cmd.tasks)
      );
  },
  openLinkedRequest: (state, actor, cmd) => {
      return (
        requireManager(state, actor) ??
        stageIs(state, 'Execution', 'InternalReview', 'ClientReview') ??
        (blank(cmd.title) || blank(cmd.description) ? invalid('a title and a description are required') : undefined)
      );
  },
  confirmClosure: (state, actor, cmd) => {
      // R21: the client confirms, or the manager records the client's confirmation.
      if (isOwnClient(state, actor)) return stageIs(state, 'ClientReview');
      if (isOwningManager(state, actor)) {
        return (
          stageIs(state, 'ClientReview') ??
          (blank(cmd.note) ? invalid("a manager recording the client's confirmation must say how it was given") : undefined)
        );
      }
      return forbidden("only the client or the request's manager may confirm closure");
  },
  cancel: (state, actor, cmd) => {
      if (!(isOwnClient(state, actor) || isOwningManager(state, actor))) {
        return forbidden("only the client or the request's manager may cancel");
      }
      return blank(cmd.reason) ? invalid('a reason is required') : undefined;
  },
  applyPolicy: (state, actor, cmd) => {
      const ref = cmd.context?.policyRef;
      return (
        requireManager(state, actor) ??
        (blank(cmd.reason) ? invalid('a reason is required') : undefined) ??
        (!ref || ref.policyId !== cmd.policyId || ref.version !== cmd.version ? invalid(`no version ${cmd.version} of policy ${cmd.policyId} for this client`) : undefined) ??
        (state.policy && state.policy.policyId === cmd.policyId && state.policy.version === cmd.version ? conflict(`the request already runs under ${state.policy.name} v${cmd.version}`) : undefined)
      );
  },
  reply: (state, actor) => {
      if (actor.role === 'client') return requireClient(state, actor);
      if (actor.role === 'specialist') return onAnyTask(state, actor) ? undefined : forbidden('only the specialists on the request write in its conversation');
      return requireManager(state, actor);
  },
};
