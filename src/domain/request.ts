// The request's rules as pure functions: which command is allowed for whom and when (`check`),
// and what it does to the state (`apply`). The workflow is a thin shell around these.
import { billability, riskBuffer, roundQuarter } from './policy';
import type {
  Actor,
  AuditEvent,
  Complexity,
  Priority,
  RequestState,
  Role,
  Stage,
  Task,
  TimeCategory,
} from './types';
import { TERMINAL_STAGES } from './types';

export interface NewTask {
  title: string;
  skill: string;
  /** Chosen by the manager, or by the assignment activity before the command is applied. */
  assigneeId?: string;
}

export type Command =
  | { type: 'triage'; decision: 'resolve'; resolution: string }
  | { type: 'triage'; decision: 'delegate' }
  | { type: 'decompose'; brief: string; tasks: NewTask[] }
  | { type: 'estimate'; taskId: string; hours: number; complexity: Complexity }
  | { type: 'approveEstimate' }
  | { type: 'rejectEstimate'; comment: string; next: 'reestimate' | 'cancel' }
  | { type: 'logTime'; taskId?: string; minutes: number; category: TimeCategory; note: string }
  | { type: 'completeTask'; taskId: string; result: string }
  | { type: 'acceptResult' }
  | { type: 'rework'; reason: string; taskIds?: string[] }
  | { type: 'changeScope'; reason: string; tasks: NewTask[] }
  | { type: 'confirmClosure'; note?: string }
  | { type: 'cancel'; reason: string };

export type CommandType = Command['type'];

export interface Rejection {
  code: 'forbidden' | 'conflict' | 'invalid';
  message: string;
}

export interface IntakeInput {
  requestId: string;
  clientId: string;
  title: string;
  description: string;
  priority: Priority;
  managerId: string;
  createdBy: Actor;
  at: string;
}

export function isTerminal(stage: Stage): boolean {
  return TERMINAL_STAGES.includes(stage);
}

export function intake(input: IntakeInput): RequestState {
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
    timeEntries: [],
    events: [],
  };
  return record(state, input.createdBy, input.at, 'intake', {
    managerId: input.managerId,
    priority: input.priority,
  });
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

function isAssignee(state: RequestState, actor: Actor): boolean {
  return actor.role === 'specialist' && state.tasks.some((t) => t.assigneeId === actor.id);
}

function stageIs(state: RequestState, ...stages: Stage[]): Rejection | undefined {
  if (stages.includes(state.stage)) return undefined;
  return conflict(`the request is in stage ${state.stage}; this action needs ${stages.join(' or ')}`);
}

function requireManager(state: RequestState, actor: Actor): Rejection | undefined {
  return isOwningManager(state, actor) ? undefined : forbidden('only the request\'s manager or the head may do this');
}

function requireClient(state: RequestState, actor: Actor): Rejection | undefined {
  return isOwnClient(state, actor) ? undefined : forbidden('only a contact of the request\'s client may do this');
}

function checkNewTasks(tasks: NewTask[]): Rejection | undefined {
  if (tasks.length === 0) return invalid('at least one task is required');
  // R4: no task reaches a specialist without a required skill.
  if (tasks.some((t) => t.title.trim() === '' || t.skill.trim() === '')) {
    return invalid('every task needs a title and a required skill');
  }
  return undefined;
}

function findTask(state: RequestState, taskId: string): Task | undefined {
  return state.tasks.find((t) => t.id === taskId);
}

/** Is this command allowed for this actor now? `undefined` means yes. */
export function check(state: RequestState, actor: Actor, cmd: Command): Rejection | undefined {
  if (isTerminal(state.stage)) return conflict(`the request is ${state.stage.toLowerCase()}`);
  switch (cmd.type) {
    case 'triage':
      return (
        requireManager(state, actor) ??
        stageIs(state, 'Triage') ??
        (cmd.decision === 'resolve' && cmd.resolution.trim() === '' ? invalid('a resolution is required') : undefined)
      );
    case 'decompose':
      return (
        requireManager(state, actor) ??
        stageIs(state, 'Decomposition') ??
        // R4: no task reaches a specialist without a clear brief written by the manager.
        (cmd.brief.trim() === '' ? invalid('a brief is required') : undefined) ??
        checkNewTasks(cmd.tasks)
      );
    case 'estimate': {
      const task = findTask(state, cmd.taskId);
      if (!task) return invalid(`no task ${cmd.taskId}`);
      if (!(actor.role === 'specialist' && actor.id === task.assigneeId)) {
        return forbidden('only the task\'s assignee may estimate it');
      }
      if (task.approvedHours !== undefined) return conflict('the estimate of this task is already approved');
      if (!(cmd.hours > 0)) return invalid('hours must be positive');
      return stageIs(state, 'Estimation');
    }
    case 'approveEstimate':
    case 'rejectEstimate':
      return (
        requireClient(state, actor) ??
        stageIs(state, 'ClientApproval') ??
        (cmd.type === 'rejectEstimate' && cmd.comment.trim() === '' ? invalid('a comment is required') : undefined)
      );
    case 'logTime': {
      const onRequest = isOwningManager(state, actor) || isAssignee(state, actor);
      if (!onRequest) return forbidden('only the request\'s manager, the head or an assignee may log time');
      if (cmd.taskId !== undefined && !findTask(state, cmd.taskId)) return invalid(`no task ${cmd.taskId}`);
      if (!(cmd.minutes > 0)) return invalid('minutes must be positive');
      return undefined;
    }
    case 'completeTask': {
      const task = findTask(state, cmd.taskId);
      if (!task) return invalid(`no task ${cmd.taskId}`);
      if (!(actor.role === 'specialist' && actor.id === task.assigneeId)) {
        return forbidden('only the task\'s assignee may complete it');
      }
      return (
        stageIs(state, 'Execution') ??
        (task.status !== 'in_progress' ? conflict(`task ${task.id} is ${task.status}`) : undefined) ??
        (cmd.result.trim() === '' ? invalid('a result description is required') : undefined)
      );
    }
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
        (cmd.reason.trim() === '' ? invalid('a reason is required') : undefined) ??
        (cmd.taskIds?.find((id) => !findTask(state, id)) !== undefined ? invalid('unknown task in taskIds') : undefined)
      );
    }
    case 'changeScope':
      return (
        requireManager(state, actor) ??
        stageIs(state, 'Estimation', 'ClientApproval', 'Execution', 'InternalReview', 'ClientReview') ??
        (state.path !== 'specialists' ? conflict('a request resolved by the manager has no tasks') : undefined) ??
        (cmd.reason.trim() === '' ? invalid('a reason is required') : undefined) ??
        checkNewTasks(cmd.tasks)
      );
    case 'confirmClosure': {
      // R21: the client confirms, or the manager records the client's confirmation.
      if (isOwnClient(state, actor)) return stageIs(state, 'ClientReview');
      if (isOwningManager(state, actor)) {
        return (
          stageIs(state, 'ClientReview') ??
          (cmd.note?.trim() ? undefined : invalid('a manager recording the client\'s confirmation must say how it was given'))
        );
      }
      return forbidden('only the client or the request\'s manager may confirm closure');
    }
    case 'cancel':
      if (!(isOwnClient(state, actor) || isOwningManager(state, actor))) {
        return forbidden('only the client or the request\'s manager may cancel');
      }
      return cmd.reason.trim() === '' ? invalid('a reason is required') : undefined;
  }
}

function record(
  state: RequestState,
  actor: Actor | { id: string; role: 'system' },
  at: string,
  type: string,
  detail: Record<string, unknown>,
): RequestState {
  const event: AuditEvent = { seq: state.events.length + 1, at, actorId: actor.id, actorRole: actor.role, type, detail };
  return { ...state, version: state.version + 1, events: [...state.events, event] };
}

function withTasks(state: RequestState, tasks: NewTask[]): Task[] {
  const added = tasks.map((t, i): Task => {
    if (!t.assigneeId) throw new Error(`task "${t.title}" has no assignee`);
    return {
      id: `T${state.tasks.length + i + 1}`,
      title: t.title,
      skill: t.skill,
      assigneeId: t.assigneeId,
      status: 'estimating',
      reworkCount: 0,
    };
  });
  return [...state.tasks, ...added];
}

/** The client approves only what is not yet approved: new tasks after a change of scope. */
function pendingEstimateHours(tasks: Task[]): number {
  return roundQuarter(
    tasks
      .filter((t) => t.approvedHours === undefined)
      .reduce((sum, t) => sum + (t.estimateHours ?? 0) + (t.bufferHours ?? 0), 0),
  );
}

/** Apply an allowed command. Call `check` first: `apply` assumes the command is allowed. */
export function apply(state: RequestState, actor: Actor, cmd: Command, at: string): RequestState {
  const { type: _type, ...detail } = cmd;
  const next = record(state, actor, at, cmd.type, detail);
  switch (cmd.type) {
    case 'triage':
      return cmd.decision === 'resolve'
        ? { ...next, path: 'manager', resolution: cmd.resolution, stage: 'ClientReview' }
        : { ...next, path: 'specialists', stage: 'Decomposition' };
    case 'decompose':
      return { ...next, brief: cmd.brief, tasks: withTasks(state, cmd.tasks), stage: 'Estimation' };
    case 'estimate': {
      const tasks = state.tasks.map(
        (t): Task =>
          t.id === cmd.taskId
            ? {
                ...t,
                status: 'estimated',
                estimateHours: roundQuarter(cmd.hours),
                complexity: cmd.complexity,
                bufferHours: riskBuffer(roundQuarter(cmd.hours), cmd.complexity),
              }
            : t,
      );
      const allEstimated = tasks.every((t) => t.approvedHours !== undefined || t.status === 'estimated');
      return allEstimated
        ? { ...next, tasks, stage: 'ClientApproval', estimateTotalHours: pendingEstimateHours(tasks) }
        : { ...next, tasks };
    }
    case 'approveEstimate': {
      const tasks = state.tasks.map(
        (t): Task =>
          t.approvedHours === undefined
            ? { ...t, approvedHours: roundQuarter((t.estimateHours ?? 0) + (t.bufferHours ?? 0)), status: 'in_progress' }
            : t,
      );
      const stage: Stage = tasks.every((t) => t.status === 'done') ? 'InternalReview' : 'Execution';
      return { ...next, tasks, stage };
    }
    case 'rejectEstimate': {
      const estimateRejections = [...state.estimateRejections, { comment: cmd.comment, at }];
      if (cmd.next === 'cancel') {
        return {
          ...next,
          estimateRejections,
          stage: 'Cancelled',
          closedAt: at,
          cancellation: { by: actor.id, role: actor.role, reason: cmd.comment },
        };
      }
      const tasks = state.tasks.map(
        (t): Task =>
          t.approvedHours === undefined
            ? { ...t, status: 'estimating', estimateHours: undefined, bufferHours: undefined, complexity: undefined }
            : t,
      );
      return { ...next, estimateRejections, tasks, stage: 'Estimation', estimateTotalHours: undefined };
    }
    case 'logTime': {
      const decision = billability(cmd.category, actor.role, cmd.minutes);
      const entry = {
        id: `${state.requestId}:te:${state.timeEntries.length + 1}`,
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
      return { ...next, timeEntries: [...state.timeEntries, entry] };
    }
    case 'completeTask': {
      const tasks = state.tasks.map((t): Task => (t.id === cmd.taskId ? { ...t, status: 'done', result: cmd.result } : t));
      const stage: Stage = tasks.every((t) => t.status === 'done') ? 'InternalReview' : 'Execution';
      return { ...next, tasks, stage };
    }
    case 'acceptResult':
      return { ...next, stage: 'ClientReview' };
    case 'rework': {
      const targets = cmd.taskIds ?? state.tasks.map((t) => t.id);
      const tasks = state.tasks.map(
        (t): Task => (targets.includes(t.id) ? { ...t, status: 'in_progress', reworkCount: t.reworkCount + 1 } : t),
      );
      return { ...next, tasks, stage: 'Execution', reworkCount: state.reworkCount + 1 };
    }
    case 'changeScope':
      return { ...next, tasks: withTasks(state, cmd.tasks), stage: 'Estimation', estimateTotalHours: undefined };
    case 'confirmClosure':
      return {
        ...next,
        stage: 'Closed',
        closedAt: at,
        closure: { by: actor.id, role: actor.role, ...(cmd.note !== undefined ? { note: cmd.note } : {}) },
      };
    case 'cancel':
      return { ...next, stage: 'Cancelled', closedAt: at, cancellation: { by: actor.id, role: actor.role, reason: cmd.reason } };
  }
}

/** Which roles may ever issue a command; the API answers 403 before asking the workflow. */
export const COMMAND_ROLES: Record<CommandType, readonly Role[]> = {
  triage: ['manager', 'head'],
  decompose: ['manager', 'head'],
  estimate: ['specialist'],
  approveEstimate: ['client'],
  rejectEstimate: ['client'],
  logTime: ['manager', 'head', 'specialist'],
  completeTask: ['specialist'],
  acceptResult: ['manager', 'head'],
  rework: ['manager', 'head', 'client'],
  changeScope: ['manager', 'head'],
  confirmClosure: ['client', 'manager', 'head'],
  cancel: ['client', 'manager', 'head'],
};
