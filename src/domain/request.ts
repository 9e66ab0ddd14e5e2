// The request's rules as pure functions: which command is allowed for whom and when (`check`),
// what it does to the state (`apply`), and which timer is due next (`nextTimer`).
// The workflow is a thin shell around these.
import { addWorkingTime, formatMoment, type WorkCalendar } from './calendar';
import { billability, riskBuffer, roundQuarter, type TimingPolicy } from './policy';
import type {
  Actor,
  AuditEvent,
  Complexity,
  DeadlineCause,
  Escalation,
  Notification,
  Priority,
  RequestState,
  Role,
  Stage,
  Task,
  TimeCategory,
  TimeEntry,
} from './types';
import { KEPT_CLOSED, OBJECTIVE_CAUSES, TERMINAL_STAGES } from './types';

export interface NewTask {
  title: string;
  skill: string;
  /** Chosen by the manager, or by the assignment activity before the command is applied. */
  assigneeId?: string;
  /** The manager's expectation: sizes the task in its assignee's load until it is estimated. */
  complexity?: Complexity;
  /** Filled in by the workflow from the staff records: the junior assignee's senior mentor. */
  mentorId?: string;
  /** Filled in by the allocation when nobody could take it: it waits (R8, R9). */
  waitingFor?: 'capacity' | 'skill';
}

/** What the allocation decided for one task: an assignee, or why it waits. */
export interface AllocationResult {
  assigneeId?: string;
  mentorId?: string;
  waitingFor?: 'capacity' | 'skill';
}

export type Command =
  | { type: 'triage'; decision: 'resolve'; resolution: string }
  | { type: 'triage'; decision: 'delegate' }
  | { type: 'decompose'; brief: string; tasks: NewTask[] }
  | { type: 'askQuestion'; taskId?: string; text: string }
  | { type: 'answerQuestion'; questionId: string; answer: string }
  | { type: 'askClient'; questionId?: string; text: string }
  | { type: 'answerClient'; questionId: string; answer: string }
  | { type: 'estimate'; taskId: string; hours: number; complexity: Complexity }
  | { type: 'reviewEstimate'; taskId: string; verdict: 'approve' | 'return'; comment: string }
  | { type: 'approveEstimate'; acceptOverage?: boolean }
  | { type: 'rejectEstimate'; comment: string; next: 'reestimate' | 'cancel' }
  | { type: 'reportProgress'; taskId: string; percent: number }
  | { type: 'logTime'; taskId?: string; minutes: number; category: TimeCategory; note: string }
  /** `before`: the entry as it is, filled in by the workflow from the read model when the state no longer holds it. */
  | { type: 'correctTime'; entryId: string; minutes?: number; category?: TimeCategory; note?: string; before?: TimeEntry }
  | { type: 'reportBlocker'; taskId: string; description: string }
  | { type: 'proposeDeadline'; taskId: string; newDeadline: string; extraHours: number; cause: DeadlineCause; note: string }
  | { type: 'agreeDeadline'; proposalId: string; agree: boolean; comment?: string }
  | { type: 'addSpecialist'; taskId: string; specialistId?: string; skill?: string }
  | { type: 'declineTask'; taskId: string; reason: string; allocation?: AllocationResult }
  | { type: 'changePriority'; priority: Priority; reason: string }
  | { type: 'reassignTask'; taskId: string; specialistId: string; reason: string; mentorId?: string }
  | { type: 'completeTask'; taskId: string; result: string }
  | { type: 'reviewResult'; taskId: string; verdict: 'approve' | 'return'; comment: string }
  | { type: 'acceptResult' }
  | { type: 'rework'; reason: string; taskIds?: string[] }
  | { type: 'changeScope'; reason: string; tasks: NewTask[] }
  | { type: 'openLinkedRequest'; title: string; description: string; linkedRequestId?: string }
  | { type: 'confirmClosure'; note?: string }
  | { type: 'cancel'; reason: string };

export type CommandType = Command['type'];

/** What the request's own timers do (R3, R17, R21); applied by the workflow when they fire. */
export type SystemCommand =
  | { type: 'triageOverdue' }
  | { type: 'deadlineMissed'; taskId: string; level: 'manager' | 'head' }
  | { type: 'remindClient' }
  | { type: 'autoClose' }
  | { type: 'assignTask'; taskId: string; assigneeId: string; mentorId?: string };

export const SYSTEM: { id: 'system'; role: 'system' } = { id: 'system', role: 'system' };

export interface Rejection {
  code: 'forbidden' | 'conflict' | 'invalid';
  message: string;
}

/** What the rules need to know besides the state: the working calendar and the timer policy. */
export interface RequestContext {
  calendar: WorkCalendar;
  policy: TimingPolicy;
}

export interface IntakeInput {
  requestId: string;
  clientId: string;
  title: string;
  description: string;
  priority: Priority;
  managerId: string;
  createdBy: Actor;
  timeZone: string;
  autoCloseAfterDays?: number;
  linkedFrom?: string;
  at: string;
}

export function isTerminal(stage: Stage): boolean {
  return TERMINAL_STAGES.includes(stage);
}

const calendarOf = (state: RequestState, ctx: RequestContext): WorkCalendar => ({ ...ctx.calendar, timeZone: state.timeZone });

export function intake(input: IntakeInput, ctx: RequestContext): RequestState {
  const state: RequestState = {
    requestId: input.requestId,
    clientId: input.clientId,
    title: input.title,
    description: input.description,
    priority: input.priority,
    managerId: input.managerId,
    createdBy: input.createdBy,
    createdAt: input.at,
    stage: 'Triage',
    version: 0,
    path: 'undecided',
    tasks: [],
    estimateRejections: [],
    reworkCount: 0,
    counters: { events: 0, timeEntries: 0, notifications: 0, escalations: 0, questions: 0, blockers: 0, proposals: 0 },
    escalated: { deadlines: {} },
    timeEntries: [],
    events: [],
    timeZone: input.timeZone,
    ...(input.autoCloseAfterDays !== undefined ? { autoCloseAfterDays: input.autoCloseAfterDays } : {}),
    triageDueAt: addWorkingTime(input.at, ctx.policy.triageSlaMs[input.priority], { ...ctx.calendar, timeZone: input.timeZone }),
    slaPauses: [],
    questions: [],
    blockers: [],
    proposals: [],
    escalations: [],
    notifications: [],
    remindersSent: 0,
    linked: [],
    ...(input.linkedFrom !== undefined ? { linkedFrom: input.linkedFrom } : {}),
  };
  const recorded = record(state, input.createdBy, input.at, 'intake', {
    managerId: input.managerId,
    priority: input.priority,
    triageDueAt: state.triageDueAt,
    ...(input.linkedFrom !== undefined ? { linkedFrom: input.linkedFrom } : {}),
  });
  return notify(recorded, input.at, 'manager', input.managerId, 'request.new', `New ${input.priority} request: ${input.title}`);
}

const forbidden = (message: string): Rejection => ({ code: 'forbidden', message });
const conflict = (message: string): Rejection => ({ code: 'conflict', message });
const invalid = (message: string): Rejection => ({ code: 'invalid', message });

function isOwningManager(state: RequestState, actor: Actor): boolean {
  return (actor.role === 'manager' && actor.id === state.managerId) || actor.role === 'head';
}

function isOwnClient(state: RequestState, actor: Actor): boolean {
  return actor.role === 'client' && actor.clientId === state.clientId;
}

function worksOn(task: Task, actor: Actor): boolean {
  return actor.role === 'specialist' && (task.assigneeId === actor.id || task.helperIds.includes(actor.id));
}

function onAnyTask(state: RequestState, actor: Actor): boolean {
  return state.tasks.some((t) => worksOn(t, actor) || t.mentorId === actor.id);
}

function stageIs(state: RequestState, ...stages: Stage[]): Rejection | undefined {
  if (stages.includes(state.stage)) return undefined;
  return conflict(`the request is in stage ${state.stage}; this action needs ${stages.join(' or ')}`);
}

function requireManager(state: RequestState, actor: Actor): Rejection | undefined {
  return isOwningManager(state, actor) ? undefined : forbidden("only the request's manager or the head may do this");
}

function requireClient(state: RequestState, actor: Actor): Rejection | undefined {
  return isOwnClient(state, actor) ? undefined : forbidden("only a contact of the request's client may do this");
}

const blank = (s: string | undefined) => s === undefined || s.trim() === '';

function checkNewTasks(tasks: NewTask[]): Rejection | undefined {
  if (tasks.length === 0) return invalid('at least one task is required');
  // R4: no task reaches a specialist without a required skill.
  if (tasks.some((t) => blank(t.title) || blank(t.skill))) return invalid('every task needs a title and a required skill');
  return undefined;
}

/** The open records and the last few closed ones: a list whose length does not grow with the request's age. */
function keepOpen<T>(list: T[], open: (x: T) => boolean): T[] {
  const closed = list.filter((x) => !open(x));
  const dropped = new Set(closed.slice(0, Math.max(0, closed.length - KEPT_CLOSED)));
  return list.filter((x) => !dropped.has(x));
}

function keepLast<T>(list: T[]): T[] {
  return list.length > KEPT_CLOSED ? list.slice(-KEPT_CLOSED) : list;
}

function findTask(state: RequestState, taskId: string): Task | undefined {
  return state.tasks.find((t) => t.id === taskId);
}

/** A task command: the task exists, the actor works on it, and it is in one of the statuses. */
function taskFor(
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

export function isPaused(state: RequestState): boolean {
  return state.slaPauses.at(-1)?.to === undefined && state.slaPauses.length > 0;
}

/** Time spent doing the work itself: only on work the client has approved (R14). */
const WORK_CATEGORIES: readonly TimeCategory[] = ['execution', 'rework'];

const OPEN_AFTER_BRIEF: Stage[] = ['Estimation', 'ClientApproval', 'Execution', 'InternalReview', 'ClientReview'];

/** Is this command allowed for this actor now? `undefined` means yes. */
export function check(state: RequestState, actor: Actor, cmd: Command): Rejection | undefined {
  if (isTerminal(state.stage)) return conflict(`the request is ${state.stage.toLowerCase()}`);
  switch (cmd.type) {
    case 'triage':
      return (
        requireManager(state, actor) ??
        stageIs(state, 'Triage') ??
        (cmd.decision === 'resolve' && blank(cmd.resolution) ? invalid('a resolution is required') : undefined)
      );
    case 'decompose':
      return (
        requireManager(state, actor) ??
        stageIs(state, 'Decomposition') ??
        // R4: no task reaches a specialist without a clear brief written by the manager.
        (blank(cmd.brief) ? invalid('a brief is required') : undefined) ??
        checkNewTasks(cmd.tasks)
      );
    case 'askQuestion':
      if (cmd.taskId !== undefined) {
        const r = taskFor(state, actor, cmd.taskId, 'worker');
        if (r) return r;
      } else if (!onAnyTask(state, actor)) return forbidden('only a specialist on the request may ask about its brief');
      return stageIs(state, ...OPEN_AFTER_BRIEF) ?? (blank(cmd.text) ? invalid('a question is required') : undefined);
    case 'answerQuestion': {
      const q = state.questions.find((x) => x.id === cmd.questionId);
      return (
        requireManager(state, actor) ??
        (!q ? invalid(`no question ${cmd.questionId}`) : undefined) ??
        (q?.status !== 'open' ? conflict(`question ${cmd.questionId} is ${q?.status}`) : undefined) ??
        (blank(cmd.answer) ? invalid('an answer is required') : undefined)
      );
    }
    case 'askClient': {
      const q = cmd.questionId === undefined ? undefined : state.questions.find((x) => x.id === cmd.questionId);
      return (
        requireManager(state, actor) ??
        (cmd.questionId !== undefined && !q ? invalid(`no question ${cmd.questionId}`) : undefined) ??
        (q && q.status !== 'open' ? conflict(`question ${q.id} is ${q.status}`) : undefined) ??
        (blank(cmd.text) ? invalid('the question for the client is required') : undefined)
      );
    }
    case 'answerClient': {
      const q = state.questions.find((x) => x.id === cmd.questionId);
      return (
        requireClient(state, actor) ??
        (!q ? invalid(`no question ${cmd.questionId}`) : undefined) ??
        (q?.status !== 'client' ? conflict(`question ${cmd.questionId} is not waiting for the client`) : undefined) ??
        (blank(cmd.answer) ? invalid('an answer is required') : undefined)
      );
    }
    case 'estimate': {
      const r = taskFor(state, actor, cmd.taskId, 'assignee', 'estimating', 'estimated', 'estimate_review');
      if (r) return r;
      if (state.questions.some((q) => q.taskId === cmd.taskId && q.status !== 'answered')) {
        return conflict('the brief of this task has an open question; estimate once it is answered');
      }
      return stageIs(state, 'Estimation') ?? (!(cmd.hours > 0) ? invalid('hours must be positive') : undefined);
    }
    case 'reviewEstimate':
      return (
        taskFor(state, actor, cmd.taskId, 'mentor', 'estimate_review') ??
        (cmd.verdict === 'return' && blank(cmd.comment) ? invalid('a returned estimate needs a comment') : undefined)
      );
    case 'approveEstimate': {
      const r = requireClient(state, actor) ?? stageIs(state, 'ClientApproval');
      if (r) return r;
      const total = state.estimateTotalHours ?? 0;
      if (state.hoursLeft !== undefined && total > state.hoursLeft && cmd.acceptOverage !== true) {
        return conflict(
          `the estimate of ${total} h exceeds the ${state.hoursLeft} h left in this month's subscription; approve with acceptOverage: true to accept ${roundQuarter(total - Math.max(0, state.hoursLeft))} h of overage`,
        );
      }
      return undefined;
    }
    case 'rejectEstimate':
      return requireClient(state, actor) ?? stageIs(state, 'ClientApproval') ?? (blank(cmd.comment) ? invalid('a comment is required') : undefined);
    case 'reportProgress':
      return (
        taskFor(state, actor, cmd.taskId, 'worker', 'in_progress') ??
        (cmd.percent < 0 || cmd.percent > 100 ? invalid('percent is 0 to 100') : undefined)
      );
    case 'logTime': {
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
    }
    case 'correctTime': {
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
    }
    case 'reportBlocker':
      return (
        taskFor(state, actor, cmd.taskId, 'worker', 'in_progress') ??
        (blank(cmd.description) ? invalid('describe the difficulty') : undefined)
      );
    case 'proposeDeadline': {
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
    }
    case 'agreeDeadline': {
      const p = state.proposals.find((x) => x.id === cmd.proposalId);
      return (
        requireClient(state, actor) ??
        (!p ? invalid(`no proposal ${cmd.proposalId}`) : undefined) ??
        (p?.status !== 'pending' ? conflict(`proposal ${cmd.proposalId} is ${p?.status}`) : undefined)
      );
    }
    case 'addSpecialist': {
      const r = requireManager(state, actor) ?? stageIs(state, 'Estimation', 'ClientApproval', 'Execution');
      if (r) return r;
      const task = findTask(state, cmd.taskId);
      if (!task) return invalid(`no task ${cmd.taskId}`);
      if (cmd.specialistId !== undefined && (cmd.specialistId === task.assigneeId || task.helperIds.includes(cmd.specialistId))) {
        return conflict('this specialist already works on the task');
      }
      return undefined;
    }
    case 'declineTask':
      // R7: a busy specialist gives a task back before the work starts, with a reason.
      return (
        taskFor(state, actor, cmd.taskId, 'assignee', 'estimating', 'estimated', 'estimate_review') ??
        (blank(cmd.reason) ? invalid('a reason is required') : undefined)
      );
    case 'reassignTask': {
      // R8: the head assigns someone (over capacity if need be); a proposal of the workload review is applied.
      const task = findTask(state, cmd.taskId);
      return (
        requireManager(state, actor) ??
        (!task ? invalid(`no task ${cmd.taskId}`) : undefined) ??
        (task && !['waiting', 'estimating', 'estimated', 'estimate_review'].includes(task.status) ? conflict(`task ${cmd.taskId} is ${task.status}; work has started`) : undefined) ??
        (task?.assigneeId === cmd.specialistId ? conflict('the task is already theirs') : undefined) ??
        (blank(cmd.reason) ? invalid('a reason is required') : undefined)
      );
    }
    case 'changePriority':
      return (
        requireManager(state, actor) ??
        (cmd.priority === state.priority ? conflict(`the request is already ${cmd.priority}`) : undefined) ??
        (blank(cmd.reason) ? invalid('a reason is required') : undefined)
      );
    case 'completeTask':
      return (
        taskFor(state, actor, cmd.taskId, 'assignee', 'in_progress') ??
        stageIs(state, 'Execution') ??
        (blank(cmd.result) ? invalid('a result description is required') : undefined)
      );
    case 'reviewResult':
      return (
        taskFor(state, actor, cmd.taskId, 'mentor', 'result_review') ??
        (cmd.verdict === 'return' && blank(cmd.comment) ? invalid('a returned result needs a comment') : undefined)
      );
    case 'acceptResult':
      return requireManager(state, actor) ?? stageIs(state, 'InternalReview');
    case 'rework': {
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
    }
    case 'changeScope':
      return (
        requireManager(state, actor) ??
        stageIs(state, ...OPEN_AFTER_BRIEF) ??
        (state.path !== 'specialists' ? conflict('a request resolved by the manager has no tasks') : undefined) ??
        (blank(cmd.reason) ? invalid('a reason is required') : undefined) ??
        checkNewTasks(cmd.tasks)
      );
    case 'openLinkedRequest':
      return (
        requireManager(state, actor) ??
        stageIs(state, 'Execution', 'InternalReview', 'ClientReview') ??
        (blank(cmd.title) || blank(cmd.description) ? invalid('a title and a description are required') : undefined)
      );
    case 'confirmClosure': {
      // R21: the client confirms, or the manager records the client's confirmation.
      if (isOwnClient(state, actor)) return stageIs(state, 'ClientReview');
      if (isOwningManager(state, actor)) {
        return (
          stageIs(state, 'ClientReview') ??
          (blank(cmd.note) ? invalid("a manager recording the client's confirmation must say how it was given") : undefined)
        );
      }
      return forbidden("only the client or the request's manager may confirm closure");
    }
    case 'cancel':
      if (!(isOwnClient(state, actor) || isOwningManager(state, actor))) {
        return forbidden("only the client or the request's manager may cancel");
      }
      return blank(cmd.reason) ? invalid('a reason is required') : undefined;
  }
}

type Who = Actor | typeof SYSTEM;

function record(state: RequestState, actor: Who, at: string, type: string, detail: Record<string, unknown>): RequestState {
  const seq = state.counters.events + 1;
  const event: AuditEvent = { seq, at, actorId: actor.id, actorRole: actor.role, type, detail };
  return { ...state, version: state.version + 1, counters: { ...state.counters, events: seq }, events: [...state.events, event] };
}

/** Adds to the detail of the event just recorded. */
function withEventDetail(state: RequestState, extra: Record<string, unknown>): RequestState {
  const last = state.events.at(-1);
  if (!last) return state;
  return { ...state, events: [...state.events.slice(0, -1), { ...last, detail: { ...last.detail, ...extra } }] };
}

function notify(state: RequestState, at: string, recipientRole: Role, recipientId: string | undefined, kind: string, text: string): RequestState {
  const no = state.counters.notifications + 1;
  const n: Notification = {
    id: `N${no}`,
    recipientRole,
    kind,
    text,
    at,
    ...(recipientId !== undefined ? { recipientId } : {}),
  };
  return { ...state, counters: { ...state.counters, notifications: no }, notifications: [...state.notifications, n] };
}

function toClient(state: RequestState, at: string, kind: string, text: string): RequestState {
  const contact = state.createdBy.role === 'client' ? state.createdBy.id : undefined;
  return notify(state, at, 'client', contact, kind, `${state.title}: ${text}`);
}

function escalate(state: RequestState, e: Omit<Escalation, 'id'>): RequestState {
  const no = state.counters.escalations + 1;
  const escalation: Escalation = { id: `E${no}`, ...e };
  const escalated = { ...state.escalated, deadlines: { ...state.escalated.deadlines } };
  if (e.kind === 'triage_overdue') escalated.triage = e.at;
  if (e.taskId && (e.kind === 'deadline_missed' || e.kind === 'deadline_unresolved')) {
    escalated.deadlines[e.taskId] = { ...escalated.deadlines[e.taskId], [e.kind === 'deadline_missed' ? 'manager' : 'head']: e.at };
  }
  const withRow = { ...state, escalated, counters: { ...state.counters, escalations: no }, escalations: [...state.escalations, escalation] };
  return notify(withRow, e.at, e.ownerRole, e.ownerId, `escalation.${e.kind}`, `${state.title}: ${e.cause}`);
}

function withTasks(state: RequestState, tasks: NewTask[]): Task[] {
  const added = tasks.map((t, i): Task => {
    if (!t.assigneeId && !t.waitingFor) throw new Error(`task "${t.title}" was not allocated`);
    return {
      id: `T${state.tasks.length + i + 1}`,
      title: t.title,
      skill: t.skill,
      ...(t.assigneeId ? { assigneeId: t.assigneeId } : { waitingFor: t.waitingFor }),
      ...(t.mentorId ? { mentorId: t.mentorId } : {}),
      helperIds: [],
      declinedBy: [],
      status: t.assigneeId ? 'estimating' : 'waiting',
      progress: 0,
      extensions: [],
      reworkCount: 0,
    };
  });
  return [...state.tasks, ...added];
}

/** The client approves only what is not yet approved: new tasks after a change of scope. */
export function pendingEstimateHours(tasks: Task[]): number {
  return roundQuarter(
    tasks
      .filter((t) => t.approvedHours === undefined && t.status !== 'cancelled')
      .reduce((sum, t) => sum + (t.estimateHours ?? 0) + (t.bufferHours ?? 0), 0),
  );
}

const openTask = (t: Task) => t.status !== 'done' && t.status !== 'cancelled';

function latestDeadline(tasks: Task[]): string | undefined {
  return tasks
    .map((t) => t.deadlineAt)
    .filter((d): d is string => d !== undefined)
    .sort()
    .at(-1);
}

function updateTask(state: RequestState, taskId: string, change: (t: Task) => Task): Task[] {
  return state.tasks.map((t) => (t.id === taskId ? change(t) : t));
}

/** After estimates: all in → the client sees the total (R14). */
function afterEstimate(state: RequestState, at: string): RequestState {
  const ready = state.tasks.every((t) => t.approvedHours !== undefined || t.status === 'estimated' || t.status === 'cancelled');
  if (!ready) return state;
  const total = pendingEstimateHours(state.tasks);
  const next: RequestState = { ...state, stage: 'ClientApproval', estimateTotalHours: total };
  return toClient(next, at, 'estimate.ready', `the estimate is ready: ${total} h`);
}

/** After a task finishes: all done → internal review (R19). */
function afterCompletion(state: RequestState, at: string): RequestState {
  if (state.tasks.some(openTask)) return state;
  return notify({ ...state, stage: 'InternalReview' }, at, 'manager', state.managerId, 'review.internal', `${state.title}: ready for internal review`);
}

/** A pause for the client ends: running SLA deadlines move by its length. */
function resumeSla(state: RequestState, at: string): RequestState {
  const pause = state.slaPauses.at(-1);
  if (!pause || pause.to !== undefined) return state;
  const shift = Date.parse(at) - Date.parse(pause.from);
  const move = (iso: string) => new Date(Date.parse(iso) + shift).toISOString();
  const tasks = state.tasks.map((t) => (t.deadlineAt && openTask(t) ? { ...t, deadlineAt: move(t.deadlineAt) } : t));
  return {
    ...state,
    slaPauses: [...state.slaPauses.slice(0, -1), { ...pause, to: at }],
    triageDueAt: state.stage === 'Triage' ? move(state.triageDueAt) : state.triageDueAt,
    tasks,
    ...(state.startedAt ? { deadlineAt: latestDeadline(tasks) } : {}),
  };
}

function finish(state: RequestState, at: string): RequestState {
  const tasks = state.tasks.map((t): Task => (openTask(t) ? { ...t, status: 'cancelled' } : t));
  const closed = { ...state, tasks, closedAt: at };
  return state.slaPauses.at(-1)?.to === undefined && state.slaPauses.length > 0 ? resumeSla(closed, at) : closed;
}

/** R8, R9: tasks nobody could take are escalated to the head. */
function escalateWaiting(state: RequestState, at: string, taskIds: string[]): RequestState {
  return state.tasks
    .filter((t) => taskIds.includes(t.id) && t.status === 'waiting')
    .reduce(
      (s, t) =>
        escalate(s, {
          kind: t.waitingFor === 'skill' ? 'missing_skill' : 'all_hands',
          ownerRole: 'head',
          taskId: t.id,
          cause:
            t.waitingFor === 'skill'
              ? `nobody on staff has the skill "${t.skill}" for ${t.id}`
              : `everyone with the skill "${t.skill}" is at capacity; ${t.id} (${state.priority}) waits in the queue`,
          at,
        }),
      state,
    );
}

function toWorkers(state: RequestState, at: string, taskIds: string[], kind: string, text: string): RequestState {
  const people = new Set(
    state.tasks.filter((t) => taskIds.includes(t.id)).flatMap((t) => [...(t.assigneeId ? [t.assigneeId] : []), ...t.helperIds]),
  );
  return [...people].reduce((s, id) => notify(s, at, 'specialist', id, kind, `${state.title}: ${text}`), state);
}

/** Apply an allowed command. Call `check` first: `apply` assumes the command is allowed. */
export function apply(state: RequestState, actor: Actor, cmd: Command, at: string, ctx: RequestContext): RequestState {
  const { type: _type, ...detail } = cmd;
  const next = record(state, actor, at, cmd.type, detail);
  switch (cmd.type) {
    case 'triage':
      return cmd.decision === 'resolve'
        ? toClient({ ...next, path: 'manager', resolution: cmd.resolution, stage: 'ClientReview', clientReviewSince: at }, at, 'review.client', 'resolved; please confirm')
        : { ...next, path: 'specialists', stage: 'Decomposition' };
    case 'decompose': {
      const tasks = withTasks(state, cmd.tasks);
      const decomposed: RequestState = { ...next, brief: cmd.brief, tasks, stage: 'Estimation' };
      const ids = tasks.map((t) => t.id);
      return escalateWaiting(toWorkers(decomposed, at, ids, 'task.assigned', 'a task for you; read the brief and estimate it'), at, ids);
    }
    case 'askQuestion': {
      const no = state.counters.questions + 1;
      const q = { id: `Q${no}`, askedBy: actor.id, text: cmd.text, status: 'open' as const, askedAt: at, ...(cmd.taskId ? { taskId: cmd.taskId } : {}) };
      return notify({ ...next, counters: { ...next.counters, questions: no }, questions: [...state.questions, q] }, at, 'manager', state.managerId, 'question.asked', `${state.title}: ${cmd.text}`);
    }
    case 'answerQuestion': {
      const q = state.questions.find((x) => x.id === cmd.questionId);
      const questions = keepOpen(state.questions.map((x) => (x.id === cmd.questionId ? { ...x, status: 'answered' as const, answer: cmd.answer, answeredAt: at } : x)), (x) => x.status !== 'answered');
      return notify({ ...next, questions }, at, 'specialist', q?.askedBy, 'question.answered', `${state.title}: ${cmd.answer}`);
    }
    case 'askClient': {
      const existing = cmd.questionId === undefined ? undefined : state.questions.find((x) => x.id === cmd.questionId);
      const no = existing ? state.counters.questions : state.counters.questions + 1;
      const questions = existing
        ? state.questions.map((x) => (x.id === existing.id ? { ...x, status: 'client' as const, clientQuestion: cmd.text } : x))
        : [...state.questions, { id: `Q${no}`, askedBy: actor.id, text: cmd.text, clientQuestion: cmd.text, status: 'client' as const, askedAt: at }];
      // R13: while the request waits on the client, its SLA clock pauses, recording who it waits on.
      const slaPauses = isPaused(state) ? state.slaPauses : keepLast([...state.slaPauses, { from: at, waitingOn: 'client' as const, reason: cmd.text }]);
      return toClient({ ...next, counters: { ...next.counters, questions: no }, questions, slaPauses }, at, 'question.client', cmd.text);
    }
    case 'answerClient': {
      const q = state.questions.find((x) => x.id === cmd.questionId);
      const questions = keepOpen(state.questions.map((x) => (x.id === cmd.questionId ? { ...x, status: 'answered' as const, answer: cmd.answer, answeredAt: at } : x)), (x) => x.status !== 'answered');
      let s: RequestState = { ...next, questions };
      if (!questions.some((x) => x.status === 'client')) s = resumeSla(s, at);
      s = notify(s, at, 'manager', state.managerId, 'question.answered', `${state.title}: the client answered: ${cmd.answer}`);
      return q && q.askedBy !== state.managerId ? notify(s, at, 'specialist', q.askedBy, 'question.answered', `${state.title}: ${cmd.answer}`) : s;
    }
    case 'estimate': {
      const task = findTask(state, cmd.taskId) as Task;
      const hours = roundQuarter(cmd.hours);
      const status = task.mentorId ? 'estimate_review' : 'estimated';
      const tasks = updateTask(state, cmd.taskId, (t) => ({ ...t, status, estimateHours: hours, complexity: cmd.complexity, bufferHours: riskBuffer(hours, cmd.complexity) }));
      // R10: a junior's estimate goes to the senior mentor before anyone else sees it.
      if (task.mentorId) return notify({ ...next, tasks }, at, 'specialist', task.mentorId, 'estimate.review', `${state.title}: check the estimate of ${task.id}`);
      return afterEstimate({ ...next, tasks }, at);
    }
    case 'reviewEstimate': {
      const approve = cmd.verdict === 'approve';
      const tasks = updateTask(state, cmd.taskId, (t) => ({ ...t, status: approve ? 'estimated' : 'estimating' }));
      if (approve) return afterEstimate({ ...next, tasks }, at);
      const task = findTask(state, cmd.taskId) as Task;
      return notify({ ...next, tasks }, at, 'specialist', task.assigneeId, 'estimate.returned', `${state.title}: ${cmd.comment}`);
    }
    case 'approveEstimate': {
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
    }
    case 'rejectEstimate': {
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
    }
    case 'reportProgress':
      return { ...next, tasks: updateTask(state, cmd.taskId, (t) => ({ ...t, progress: Math.round(cmd.percent) })) };
    case 'logTime': {
      const decision = billability(cmd.category, actor.role, cmd.minutes);
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
    }
    case 'correctTime': {
      const before = (state.timeEntries.find((e) => e.id === cmd.entryId) ?? cmd.before) as TimeEntry;
      const minutes = cmd.minutes ?? before.minutes;
      const category = cmd.category ?? before.category;
      const decision = billability(category, before.role, minutes);
      const after: TimeEntry = { ...before, minutes, category, note: cmd.note ?? before.note, billable: decision.billable, billableReason: decision.reason, revision: before.revision + 1 };
      const audited = { ...next, events: next.events.map((e, i) => (i === next.events.length - 1 ? { ...e, detail: { ...e.detail, before: { minutes: before.minutes, category: before.category, note: before.note } } } : e)) };
      // The corrected entry replaces the one held (if any) or joins those to be written.
      const held = state.timeEntries.some((e) => e.id === cmd.entryId);
      return { ...audited, timeEntries: held ? state.timeEntries.map((e) => (e.id === cmd.entryId ? after : e)) : [...state.timeEntries, after] };
    }
    case 'reportBlocker': {
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
    }
    case 'proposeDeadline': {
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
    }
    case 'agreeDeadline': {
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
    }
    case 'addSpecialist': {
      if (!cmd.specialistId) throw new Error('addSpecialist needs the specialist resolved first');
      const helper = cmd.specialistId;
      const tasks = updateTask(state, cmd.taskId, (t) => ({ ...t, helperIds: [...t.helperIds, helper] }));
      return notify({ ...next, tasks }, at, 'specialist', helper, 'task.helper', `${state.title}: you were added to ${cmd.taskId}`);
    }
    case 'declineTask': {
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
    }
    case 'changePriority':
      return { ...next, priority: cmd.priority };
    case 'reassignTask': {
      const tasks = updateTask(state, cmd.taskId, (t) => {
        const { waitingFor: _w, mentorId: _m, estimateHours: _e, bufferHours: _b, complexity: _c, ...rest } = t;
        return { ...rest, assigneeId: cmd.specialistId, status: 'estimating', ...(cmd.mentorId ? { mentorId: cmd.mentorId } : {}) };
      });
      return toWorkers({ ...next, tasks }, at, [cmd.taskId], 'task.assigned', 'a task for you; read the brief and estimate it');
    }
    case 'completeTask': {
      const task = findTask(state, cmd.taskId) as Task;
      // R10: a junior's result goes to the senior mentor first.
      if (task.mentorId) {
        const tasks = updateTask(state, cmd.taskId, (t) => ({ ...t, status: 'result_review', result: cmd.result, progress: 100 }));
        return notify({ ...next, tasks }, at, 'specialist', task.mentorId, 'result.review', `${state.title}: check the result of ${task.id}`);
      }
      const tasks = updateTask(state, cmd.taskId, (t) => ({ ...t, status: 'done', result: cmd.result, progress: 100 }));
      return afterCompletion({ ...next, tasks }, at);
    }
    case 'reviewResult': {
      const approve = cmd.verdict === 'approve';
      const tasks = updateTask(state, cmd.taskId, (t) => ({ ...t, status: approve ? 'done' : 'in_progress', ...(approve ? {} : { progress: 90 }) }));
      if (approve) return afterCompletion({ ...next, tasks }, at);
      const task = findTask(state, cmd.taskId) as Task;
      return notify({ ...next, tasks }, at, 'specialist', task.assigneeId, 'result.returned', `${state.title}: ${cmd.comment}`);
    }
    case 'acceptResult':
      return toClient({ ...next, stage: 'ClientReview', clientReviewSince: at, remindersSent: 0 }, at, 'review.client', 'the result is ready for your review');
    case 'rework': {
      const targets = cmd.taskIds ?? state.tasks.filter((t) => t.status !== 'cancelled').map((t) => t.id);
      const tasks = state.tasks.map((t): Task => (targets.includes(t.id) ? { ...t, status: 'in_progress', reworkCount: t.reworkCount + 1 } : t));
      const { clientReviewSince: _s, ...rest } = next;
      return toWorkers({ ...rest, tasks, stage: 'Execution', reworkCount: state.reworkCount + 1 }, at, targets, 'task.rework', cmd.reason);
    }
    case 'changeScope': {
      const tasks = withTasks(state, cmd.tasks);
      const added = tasks.slice(state.tasks.length).map((t) => t.id);
      const { estimateTotalHours: _t, hoursLeft: _h, clientReviewSince: _s, ...rest } = next;
      return escalateWaiting(toWorkers({ ...rest, tasks, stage: 'Estimation' }, at, added, 'task.assigned', 'a task for you; read the brief and estimate it'), at, added);
    }
    case 'openLinkedRequest':
      return cmd.linkedRequestId ? { ...next, linked: keepLast([...state.linked, cmd.linkedRequestId]) } : next;
    case 'confirmClosure':
      return finish({ ...next, stage: 'Closed', closure: { by: actor.id, role: actor.role, ...(cmd.note !== undefined ? { note: cmd.note } : {}) } }, at);
    case 'cancel':
      return finish({ ...next, stage: 'Cancelled', cancellation: { by: actor.id, role: actor.role, reason: cmd.reason } }, at);
  }
}

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

/** Which roles may ever issue a command; the API answers 403 before asking the workflow. */
export const COMMAND_ROLES: Record<CommandType, readonly Role[]> = {
  triage: ['manager', 'head'],
  decompose: ['manager', 'head'],
  askQuestion: ['specialist'],
  answerQuestion: ['manager', 'head'],
  askClient: ['manager', 'head'],
  answerClient: ['client'],
  estimate: ['specialist'],
  reviewEstimate: ['specialist'],
  approveEstimate: ['client'],
  rejectEstimate: ['client'],
  reportProgress: ['specialist'],
  logTime: ['manager', 'head', 'specialist'],
  correctTime: ['manager', 'head', 'specialist'],
  reportBlocker: ['specialist'],
  proposeDeadline: ['manager', 'head'],
  agreeDeadline: ['client'],
  addSpecialist: ['manager', 'head'],
  declineTask: ['specialist'],
  changePriority: ['manager', 'head'],
  reassignTask: ['manager', 'head'],
  completeTask: ['specialist'],
  reviewResult: ['specialist'],
  acceptResult: ['manager', 'head'],
  rework: ['manager', 'head', 'client'],
  changeScope: ['manager', 'head'],
  openLinkedRequest: ['manager', 'head'],
  confirmClosure: ['client', 'manager', 'head'],
  cancel: ['client', 'manager', 'head'],
};

/**
 * A state carried over by continue-as-new from an earlier version of the workflow, in today's
 * shape: counters from its lists (which then held every record), the escalations its timers made.
 */
export function upgradeState(s: RequestState): RequestState {
  const old = s as Partial<RequestState> & RequestState;
  const counters = old.counters ?? {
    events: s.events.length,
    timeEntries: s.timeEntries.length,
    notifications: s.notifications.length,
    escalations: s.escalations.length,
    questions: s.questions.length,
    blockers: s.blockers.length,
    proposals: s.proposals.length,
  };
  let escalated: RequestState['escalated'] | undefined = old.escalated;
  if (!escalated) {
    const found: RequestState['escalated'] = { deadlines: {} };
    for (const e of s.escalations) {
      if (e.kind === 'triage_overdue') found.triage = e.at;
      if (e.taskId && (e.kind === 'deadline_missed' || e.kind === 'deadline_unresolved')) {
        const level = e.kind === 'deadline_missed' ? 'manager' : 'head';
        const seen = found.deadlines[e.taskId]?.[level];
        if (!seen || e.at > seen) found.deadlines[e.taskId] = { ...found.deadlines[e.taskId], [level]: e.at };
      }
    }
    escalated = found;
  }
  return { ...s, counters, escalated };
}
