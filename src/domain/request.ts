// The request: its vocabulary (commands, context), its intake, and the helpers every rule uses
// to change the state (records, notifications, escalations, tasks). The rules themselves are in
// ./commands (the table: who, how, check, effect, timeline text), ./checks, ./effects, ./timers.
import { addWorkingTime, type WorkCalendar } from './calendar';
import { roundQuarter, type BufferPolicy, type PolicyRef, type TimingPolicy } from './policy';
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
import { KEPT_CLOSED, TERMINAL_STAGES } from './types';

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
  // `hoursLeft` (R14, the month's hours left) is set by the API as it sends the action, never by the caller.
  | { type: 'estimate'; taskId: string; hours: number; complexity: Complexity; hoursLeft?: number }
  | { type: 'reviewEstimate'; taskId: string; verdict: 'approve' | 'return'; comment: string; hoursLeft?: number }
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
  | { type: 'cancel'; reason: string }
  /** A public message in the request's conversation (internal notes never reach the workflow). */
  | { type: 'reply'; messageId: string; excerpt: string }
  /** The manager moves the request to its subscription's current policy version; the API resolves `context`. */
  | { type: 'applyPolicy'; policyId: string; version: number; reason: string; context?: RequestContext };

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
  /**
   * Set for a request filed under a subscription's policy (#16): which version, and what it says
   * beyond the timers. Absent (requests filed before policies): the calendar's zone is the
   * subscription's, and the company constants apply.
   */
  policyRef?: PolicyRef;
  buffer?: BufferPolicy;
  quickAnswerMinutes?: number;
  /** R21: days of silence in client review before the request closes; null: never. */
  autoCloseAfterDays?: number | null;
}

export interface IntakeInput {
  requestId: string;
  key?: string | undefined;
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

/** The working calendar of a request: its policy's, or (filed before policies) the company's in the client's zone. */
export const calendarOf = (state: Pick<RequestState, 'timeZone'>, ctx: RequestContext): WorkCalendar =>
  ctx.policyRef ? ctx.calendar : { ...ctx.calendar, timeZone: state.timeZone };

/** R21: the auto-close days a context gives; a context without a policy leaves the subscription's. */
export function autoCloseOf(ctx: RequestContext, subscription: number | undefined): number | undefined {
  if (!ctx.policyRef) return subscription;
  return ctx.autoCloseAfterDays ?? undefined;
}

export function intake(input: IntakeInput, ctx: RequestContext): RequestState {
  const state: RequestState = {
    requestId: input.requestId,
    ...(input.key !== undefined ? { key: input.key } : {}),
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
    ...(autoCloseOf(ctx, input.autoCloseAfterDays) !== undefined ? { autoCloseAfterDays: autoCloseOf(ctx, input.autoCloseAfterDays) } : {}),
    ...(ctx.policyRef ? { policy: ctx.policyRef } : {}),
    triageDueAt: addWorkingTime(input.at, ctx.policy.triageSlaMs[input.priority], calendarOf({ timeZone: input.timeZone }, ctx)),
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

/** The open records and the last few closed ones: a list whose length does not grow with the request's age. */
export function keepOpen<T>(list: T[], open: (x: T) => boolean): T[] {
  const closed = list.filter((x) => !open(x));
  const dropped = new Set(closed.slice(0, Math.max(0, closed.length - KEPT_CLOSED)));
  return list.filter((x) => !dropped.has(x));
}

export function keepLast<T>(list: T[]): T[] {
  return list.length > KEPT_CLOSED ? list.slice(-KEPT_CLOSED) : list;
}

export function findTask(state: RequestState, taskId: string): Task | undefined {
  return state.tasks.find((t) => t.id === taskId);
}

export function isPaused(state: RequestState): boolean {
  return state.slaPauses.at(-1)?.to === undefined && state.slaPauses.length > 0;
}

export type Who = Actor | typeof SYSTEM;

export function record(state: RequestState, actor: Who, at: string, type: string, detail: Record<string, unknown>): RequestState {
  const seq = state.counters.events + 1;
  const event: AuditEvent = { seq, at, actorId: actor.id, actorRole: actor.role, type, detail };
  return { ...state, version: state.version + 1, counters: { ...state.counters, events: seq }, events: [...state.events, event] };
}

/** Adds to the detail of the event just recorded. */
export function withEventDetail(state: RequestState, extra: Record<string, unknown>): RequestState {
  const last = state.events.at(-1);
  if (!last) return state;
  return { ...state, events: [...state.events.slice(0, -1), { ...last, detail: { ...last.detail, ...extra } }] };
}

export function notify(state: RequestState, at: string, recipientRole: Role, recipientId: string | undefined, kind: string, text: string): RequestState {
  const no = state.counters.notifications + 1;
  const n: Notification = {
    id: `N${no}`,
    recipientRole,
    kind,
    // Every notification names the request by its key, as people do.
    text: state.key !== undefined ? `${state.key} · ${text}` : text,
    at,
    ...(recipientId !== undefined ? { recipientId } : {}),
  };
  return { ...state, counters: { ...state.counters, notifications: no }, notifications: [...state.notifications, n] };
}

export function toClient(state: RequestState, at: string, kind: string, text: string): RequestState {
  const contact = state.createdBy.role === 'client' ? state.createdBy.id : undefined;
  return notify(state, at, 'client', contact, kind, `${state.title}: ${text}`);
}

export function escalate(state: RequestState, e: Omit<Escalation, 'id'>): RequestState {
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

export function withTasks(state: RequestState, tasks: NewTask[]): Task[] {
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

export const openTask = (t: Task) => t.status !== 'done' && t.status !== 'cancelled';

export function latestDeadline(tasks: Task[]): string | undefined {
  return tasks
    .map((t) => t.deadlineAt)
    .filter((d): d is string => d !== undefined)
    .sort()
    .at(-1);
}

export function updateTask(state: RequestState, taskId: string, change: (t: Task) => Task): Task[] {
  return state.tasks.map((t) => (t.id === taskId ? change(t) : t));
}

/** After estimates: all in → the client sees the total (R14). */
export function afterEstimate(state: RequestState, at: string): RequestState {
  const ready = state.tasks.every((t) => t.approvedHours !== undefined || t.status === 'estimated' || t.status === 'cancelled');
  if (!ready) return state;
  const total = pendingEstimateHours(state.tasks);
  const next: RequestState = { ...state, stage: 'ClientApproval', estimateTotalHours: total };
  return toClient(next, at, 'estimate.ready', `the estimate is ready: ${total} h`);
}

/** After a task finishes: all done → internal review (R19). */
export function afterCompletion(state: RequestState, at: string): RequestState {
  if (state.tasks.some(openTask)) return state;
  return notify({ ...state, stage: 'InternalReview' }, at, 'manager', state.managerId, 'review.internal', `${state.title}: ready for internal review`);
}

/** A pause for the client ends: running SLA deadlines move by its length. */
export function resumeSla(state: RequestState, at: string): RequestState {
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

export function finish(state: RequestState, at: string): RequestState {
  const tasks = state.tasks.map((t): Task => (openTask(t) ? { ...t, status: 'cancelled' } : t));
  const closed = { ...state, tasks, closedAt: at };
  return state.slaPauses.at(-1)?.to === undefined && state.slaPauses.length > 0 ? resumeSla(closed, at) : closed;
}

/** R8, R9: tasks nobody could take are escalated to the head. */
export function escalateWaiting(state: RequestState, at: string, taskIds: string[]): RequestState {
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

export function toWorkers(state: RequestState, at: string, taskIds: string[], kind: string, text: string): RequestState {
  const people = new Set(
    state.tasks.filter((t) => taskIds.includes(t.id)).flatMap((t) => [...(t.assigneeId ? [t.assigneeId] : []), ...t.helperIds]),
  );
  return [...people].reduce((s, id) => notify(s, at, 'specialist', id, kind, `${state.title}: ${text}`), state);
}

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

