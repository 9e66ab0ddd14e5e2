// The vocabulary of a client request, shared by the workflow, the API and the tests.
// Pure data: no Temporal, no I/O.

export const ROLES = ['client', 'manager', 'specialist', 'head', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const STAFF_ROLES = ['manager', 'specialist', 'head', 'admin'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export const SENIORITIES = ['junior', 'middle', 'senior'] as const;
export type Seniority = (typeof SENIORITIES)[number];

/** Ordered from most to least urgent: the order is used for sorting (R11). */
export const PRIORITIES = ['critical', 'high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const STAGES = [
  'Triage',
  'Decomposition',
  'Estimation',
  'ClientApproval',
  'Execution',
  'InternalReview',
  'ClientReview',
  'Closed',
  'Cancelled',
] as const;
export type Stage = (typeof STAGES)[number];

export const TERMINAL_STAGES: readonly Stage[] = ['Closed', 'Cancelled'];

export const COMPLEXITIES = ['low', 'medium', 'high'] as const;
export type Complexity = (typeof COMPLEXITIES)[number];

export const TIME_CATEGORIES = [
  'communication',
  'analysis',
  'estimation',
  'consultation',
  'execution',
  'review',
  'rework',
  'mentoring',
] as const;
export type TimeCategory = (typeof TIME_CATEGORIES)[number];

/** Who performs an action; the API derives it from the bearer token, never from the body. */
export interface Actor {
  id: string;
  role: Role;
  /** Set for client contacts: the organisation they belong to. */
  clientId?: string;
}

export type TaskStatus =
  /** R8, R9: nobody with the skill has room, or nobody has the skill: queued, the head is told. */
  | 'waiting'
  | 'estimating'
  /** R10: a junior's estimate waits for the senior mentor. */
  | 'estimate_review'
  | 'estimated'
  | 'in_progress'
  /** R10: a junior's result waits for the senior mentor. */
  | 'result_review'
  | 'done'
  /** R25: the request was cancelled; the assignee is released. */
  | 'cancelled';

export const DEADLINE_CAUSES = ['client_side', 'external', 'wrong_estimate', 'specialist_mistake'] as const;
export type DeadlineCause = (typeof DEADLINE_CAUSES)[number];
/** R18: client-side and external causes are objective; the others are internal and never billed. */
export const OBJECTIVE_CAUSES: readonly DeadlineCause[] = ['client_side', 'external'];

export interface Extension {
  hours: number;
  cause: DeadlineCause;
  objective: boolean;
  agreedAt: string;
}

export interface Task {
  id: string;
  title: string;
  skill: string;
  /** Unset while the task waits for someone with the skill and room (R8, R9). */
  assigneeId?: string;
  waitingFor?: 'capacity' | 'skill';
  /** R7: who gave the task back; it never goes to them again. */
  declinedBy: string[];
  /** Set when the assignee is a junior: the senior who checks estimate and result (R10). */
  mentorId?: string;
  /** Specialists the manager added to help (R16). */
  helperIds: string[];
  status: TaskStatus;
  /** 0–100, reported by the assignee. */
  progress: number;
  estimateHours?: number;
  bufferHours?: number;
  complexity?: Complexity;
  /** Hours approved by the client for this task: estimate plus buffer, set on approval. */
  approvedHours?: number;
  /** Agreed moves of the deadline with their cause (R18). */
  extensions: Extension[];
  deadlineAt?: string;
  result?: string;
  reworkCount: number;
}

export interface Question {
  id: string;
  taskId?: string;
  askedBy: string;
  text: string;
  /** 'client': the manager relayed it to the client, and the SLA clock is paused (R13). */
  status: 'open' | 'client' | 'answered';
  clientQuestion?: string;
  answer?: string;
  askedAt: string;
  answeredAt?: string;
}

export interface Blocker {
  id: string;
  taskId: string;
  reportedBy: string;
  description: string;
  at: string;
}

export interface DeadlineProposal {
  id: string;
  taskId: string;
  newDeadline: string;
  extraHours: number;
  cause: DeadlineCause;
  note: string;
  proposedBy: string;
  at: string;
  status: 'pending' | 'agreed' | 'declined';
}

export type EscalationKind = 'triage_overdue' | 'deadline_missed' | 'deadline_unresolved' | 'blocker' | 'all_hands' | 'missing_skill';

export interface Escalation {
  id: string;
  kind: EscalationKind;
  ownerRole: 'manager' | 'head';
  /** The manager of the request; escalations to the head go to every head. */
  ownerId?: string;
  taskId?: string;
  cause: string;
  at: string;
}

export interface Notification {
  id: string;
  recipientRole: Role;
  /** A person, or every person of the role when absent (the head). */
  recipientId?: string;
  kind: string;
  text: string;
  at: string;
}

export interface SlaPause {
  from: string;
  to?: string;
  waitingOn: 'client';
  reason: string;
}

export interface TimeEntry {
  id: string;
  /** Bumped by each correction; the audit trail keeps every earlier version. */
  revision: number;
  personId: string;
  role: Role;
  taskId?: string;
  minutes: number;
  category: TimeCategory;
  billable: boolean;
  billableReason: string;
  note: string;
  at: string;
}

export interface AuditEvent {
  seq: number;
  at: string;
  actorId: string;
  actorRole: Role | 'system';
  type: string;
  detail: Record<string, unknown>;
}

/** Counters that name the request's records (Q3, E2, entry 17 …): ids never come from a list's length. */
export interface RequestCounters {
  events: number;
  timeEntries: number;
  notifications: number;
  escalations: number;
  questions: number;
  blockers: number;
  proposals: number;
}

/** What the request's timers have already escalated, so they fire once (R3, R17). */
export interface Escalated {
  /** R3: when the triage deadline was escalated. */
  triage?: string;
  /** R17, per task: when its deadline was escalated to the manager, and to the head. */
  deadlines: Record<string, { manager?: string; head?: string }>;
}

/** How many closed questions, blockers, proposals, pauses, rejections and links the state keeps; older ones live in PostgreSQL. */
export const KEPT_CLOSED = 20;

export interface RequestState {
  requestId: string;
  /** The short human key (`ACME-42`); requests filed before keys existed have none. */
  key?: string;
  clientId: string;
  title: string;
  description: string;
  priority: Priority;
  managerId: string;
  createdBy: Actor;
  createdAt: string;
  stage: Stage;
  /** Bumped by every accepted command; the read model is upserted only by a newer version. */
  version: number;
  path: 'undecided' | 'manager' | 'specialists';
  brief?: string;
  resolution?: string;
  tasks: Task[];
  estimateTotalHours?: number;
  /** Subscription hours left in the month when the estimate went to the client (R14). */
  hoursLeft?: number;
  overageAcceptedHours?: number;
  estimateRejections: { comment: string; at: string }[];
  /** Local time zone of the client and its auto-close policy (days of silence; none: never). */
  timeZone: string;
  autoCloseAfterDays?: number;
  /** The policy version the request runs under (absent: filed before policies, under the company's constants). */
  policy?: { policyId: string; name: string; version: number };
  triageDueAt: string;
  deadlineAt?: string;
  startedAt?: string;
  slaPauses: SlaPause[];
  questions: Question[];
  blockers: Blocker[];
  proposals: DeadlineProposal[];
  escalations: Escalation[];
  notifications: Notification[];
  /** When the request entered client review, and how many reminders the client has had (R21). */
  clientReviewSince?: string;
  remindersSent: number;
  linkedFrom?: string;
  linked: string[];
  reworkCount: number;
  counters: RequestCounters;
  escalated: Escalated;
  /**
   * Records not yet written to PostgreSQL: the workflow projects them and then drops them, so the
   * state does not grow with the request's age (their home is the read model: timeline, time
   * entries, inbox, escalations).
   */
  timeEntries: TimeEntry[];
  events: AuditEvent[];
  closedAt?: string;
  closure?: { by: string; role: Role | 'system'; note?: string };
  cancellation?: { by: string; role: Role; reason: string };
}
