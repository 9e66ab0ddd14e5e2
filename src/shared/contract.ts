// The request workflow's contract: its id, task queue, messages and search attributes.
// Imported by the workflow, the worker and the API alike.
import { defineSearchAttributeKey, type SignalDefinition, type UpdateDefinition } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Actor, AuditEvent, Command, Escalation, Notification, Priority, RequestContext, RequestState, SignalType, Task, TimeEntry, UpdateType } from '../domain';

export const TASK_QUEUE = 'retainer-desk';

const WORKFLOW_ID_PREFIX = 'request-';

/** `request-ACME-42` for a request with a key, `request-<uuid>` for one filed before keys existed. */
export function requestWorkflowId(ref: string): string {
  return `${WORKFLOW_ID_PREFIX}${ref}`;
}

/** The key or, for a request filed before keys existed, the id a workflow id names. */
export function requestIdFromWorkflowId(workflowId: string): string | undefined {
  return workflowId.startsWith(WORKFLOW_ID_PREFIX) ? workflowId.slice(WORKFLOW_ID_PREFIX.length) : undefined;
}

/** What a request is taken in with, besides its policy: its manager and the subscription's terms. */
export interface IntakeTerms {
  managerId: string;
  timeZone: string;
  autoCloseAfterDays?: number;
}

export interface RequestWorkflowInput {
  requestId: string;
  /** The short key given at intake (`ACME-42`); the workflow id is `request-<key>`. */
  key?: string;
  clientId: string;
  title: string;
  description: string;
  priority: Priority;
  createdBy: Actor;
  /** The working calendar and timer policy, fixed for the life of the request. */
  context: RequestContext;
  linkedFrom?: string;
  /** The newest generation of workflow changes the code that started this run knew (absent: started before generations travelled in the input). */
  generation?: number;
  /** Its manager and the subscription's terms, read at filing; without them (a linked request), the workflow reads them. */
  intake?: IntakeTerms;
  /** Set by continue-as-new: the state so far and how much of it is already projected. */
  carried?: {
    state: RequestState;
    projected: ProjectedCounts;
    synced: AllocationSync;
    applied?: AppliedKey[];
    attention?: string;
    /** Ledger steps answers handed out that the workflow has not done again itself yet. */
    ledgers?: LedgerWork[];
  };
}

/** A call already applied under an Idempotency-Key: the key (scoped to the person), the hash of its command, the version it made. */
export type AppliedKey = [key: string, hash: string, version: number];

/** How many applied keys a request remembers (oldest forgotten first), across continue-as-new. */
export const APPLIED_KEYS_KEPT = 500;

/** What the allocation ledger already knows of this request's tasks. */
export interface AllocationSync {
  hours: Record<string, number>;
  priority: Priority;
  released: string[];
  /** Hours already held in the hour ledger. */
  reserved: number;
}

export interface ProjectedCounts {
  version: number;
  events: number;
  timeEntries: number;
  notifications: number;
  escalations: number;
}

/** A state version and the records not yet in PostgreSQL: what one write of the read model takes. */
export interface Projection {
  /** Set on the second try after PostgreSQL refused the data: text loses what it cannot store, timestamps out of its range are left out. */
  sanitize?: boolean;
  state: RequestState;
  events: AuditEvent[];
  timeEntries: TimeEntry[];
  notifications: Notification[];
  escalations: Escalation[];
}

/** What the allocation and hour ledgers lack of a request's state; each step idempotent. */
export interface LedgerWork {
  /** R24: approved hours newly held against the client's month, once per key. */
  reserve?: { key: string; hours: number; at: string };
  /** Approved budgets replacing the default size of tasks in their assignees' load. */
  hours?: Record<string, number>;
  /** R11: the request's new priority, for the queues. */
  priority?: Priority;
  /** Finished or cancelled tasks giving their hours back. */
  release?: string[];
}

/**
 * Everything one turn of the request's loop writes, in one activity (one round trip through the
 * server): the projection if the workflow writes it, the ledgers' steps, and the write-off at the end.
 */
export interface RequestWrite {
  requestId: string;
  clientId: string;
  projection?: Projection;
  /** Steps handed out with answers since the workflow last wrote itself, done again (idempotent) before `ledger`. */
  redo?: LedgerWork[];
  ledger?: LedgerWork;
  /** R24, R25: held hours released and billable hours written off, from the time entries in PostgreSQL. */
  settle?: { tasks: Task[]; at: string };
}

/** A request's records, as an answer hands them out. */
export type Records = Pick<Projection, 'events' | 'timeEntries' | 'notifications' | 'escalations'>;

/**
 * An action Update's answer: the request as it is now, without its records. Requests running
 * the answered projection (see the workflow) add `records`, those no earlier answer handed out:
 * the API writes them with the state to PostgreSQL before it answers its caller. The workflow
 * writes them again later, so a write the API never made is made all the same.
 */
/**
 * An action's answer: the state, the records and the ledger steps its caller writes before it
 * answers. The answer that ends a request (from generation 6 on) hands out its last write
 * instead (`last`: the projection with every record the workflow has not written itself, the
 * ledgers' steps and the write-off), and its workflow ends without writing: the caller makes it,
 * and the worker's sweep makes it from the workflow's result if the caller died first.
 */
export type RequestAnswer = RequestState & { records?: Records; ledger?: LedgerWork; last?: RequestWrite };

/** What a request's workflow ends with: its state and, when its closing answer handed it out, its last write. */
export type RequestOutcome = RequestState & { last?: RequestWrite };

/** Records a request hands out in its answers and keeps until it writes them itself: at this many it writes them (and drops them from its state). */
export const RECORDS_HANDED_OUT = 50;

/** A human action as the workflow receives it: who did it, and what. */
export interface Action<C extends Command = Command> {
  actor: Actor;
  command: C;
  /**
   * From the call's Idempotency-Key: a retry of a call that was applied (its answer lost to a
   * crash, a timeout or an outage) is answered again, never applied twice.
   */
  idempotency?: { key: string; hash: string };
}

/** Commands a person issues and waits for an answer: Temporal Updates with validators. */
export const UPDATE_COMMANDS = [
  'triage',
  'decompose',
  'askQuestion',
  'answerQuestion',
  'askClient',
  'answerClient',
  'estimate',
  'reviewEstimate',
  'approveEstimate',
  'rejectEstimate',
  'reportProgress',
  'logTime',
  'correctTime',
  'reportBlocker',
  'proposeDeadline',
  'agreeDeadline',
  'addSpecialist',
  'declineTask',
  'changePriority',
  'reassignTask',
  'completeTask',
  'reviewResult',
  'acceptResult',
  'openLinkedRequest',
  'confirmClosure',
  'cancel',
  'applyPolicy',
] as const satisfies readonly UpdateType[];
export type UpdateCommand = (typeof UPDATE_COMMANDS)[number];
/** Every command the table sends as an Update has its Update here: a missing one does not compile. */
const _everyUpdate: [Exclude<UpdateType, UpdateCommand>] extends [never] ? true : Exclude<UpdateType, UpdateCommand> = true;

/** Rework, scope changes and conversation replies arrive as Signals: the API checks the stage by Query first. */
export const SIGNAL_COMMANDS = ['rework', 'changeScope', 'reply'] as const satisfies readonly SignalType[];
export type SignalCommand = (typeof SIGNAL_COMMANDS)[number];
const _everySignal: [Exclude<SignalType, SignalCommand>] extends [never] ? true : Exclude<SignalType, SignalCommand> = true;
void _everyUpdate;
void _everySignal;

/** One Update per action, named after it, so the workflow history reads as what people did. */
export const actionUpdates = Object.fromEntries(
  UPDATE_COMMANDS.map((type) => [type, defineUpdate<RequestAnswer, [Action]>(type)]),
) as Record<UpdateCommand, UpdateDefinition<RequestAnswer, [Action]>>;

export const actionSignals = Object.fromEntries(SIGNAL_COMMANDS.map((type) => [type, defineSignal<[Action]>(type)])) as Record<
  SignalCommand,
  SignalDefinition<[Action]>
>;

/** Update-with-start target: returns once the request is taken in and visible in the read model. */
export const intakeUpdate = defineUpdate<RequestAnswer>('intake');

export const stateQuery = defineQuery<RequestState>('state');

/**
 * When the API could not write an answer's projection (PostgreSQL refused or was away): the
 * workflow writes the request itself — sanitizing and flagging what PostgreSQL refuses — and
 * answers once the read model holds this version.
 */
export const projectUpdate = defineUpdate<RequestState, [number]>('project');

/** Whether a call with this (person-scoped) Idempotency-Key was applied, and with which command hash. */
export const appliedKeyQuery = defineQuery<{ hash: string; version: number } | null, [string]>('appliedKey');

/** From the dispatcher: a waiting task got an assignee (R8, R9). */
export const taskAssignedSignal = defineSignal<[{ taskId: string; assigneeId: string; mentorId?: string }]>('taskAssigned');

/** The error types a validator or handler throws; the API maps them to HTTP statuses. */
export const REJECTION_TYPES = { forbidden: 'Forbidden', conflict: 'Conflict', invalid: 'Invalid' } as const;

/** The error type of a retry whose Idempotency-Key was first used with another command (HTTP 422). */
export const KEY_REUSED = 'IdempotencyKeyReused';

/** The error type of an activity whose data PostgreSQL refused (SQLSTATE class 22 or 23): retrying would not help. */
export const DATA_REJECTED = 'DataRejected';

export const searchAttributes = {
  stage: defineSearchAttributeKey('RequestStage', 'KEYWORD'),
  clientId: defineSearchAttributeKey('ClientId', 'KEYWORD'),
  managerId: defineSearchAttributeKey('ManagerId', 'KEYWORD'),
  priority: defineSearchAttributeKey('Priority', 'KEYWORD'),
  assignees: defineSearchAttributeKey('Assignees', 'KEYWORD_LIST'),
  deadline: defineSearchAttributeKey('RequestDeadline', 'DATETIME'),
  overdue: defineSearchAttributeKey('Overdue', 'BOOL'),
  /** PostgreSQL refused the request's data: a person has to look (the escalation says what). */
  needsAttention: defineSearchAttributeKey('NeedsAttention', 'BOOL'),
  /** The request's key (`ACME-42`): `RequestKey = "ACME-42"` finds it in the Temporal UI. */
  key: defineSearchAttributeKey('RequestKey', 'KEYWORD'),
};

/** `temporal server start-dev --search-attribute` arguments for the attributes above. */
export const SEARCH_ATTRIBUTE_TYPES: Record<string, 'Keyword' | 'KeywordList' | 'Datetime' | 'Bool'> = {
  RequestStage: 'Keyword',
  ClientId: 'Keyword',
  ManagerId: 'Keyword',
  Priority: 'Keyword',
  Assignees: 'KeywordList',
  RequestDeadline: 'Datetime',
  Overdue: 'Bool',
  NeedsAttention: 'Bool',
  RequestKey: 'Keyword',
};
