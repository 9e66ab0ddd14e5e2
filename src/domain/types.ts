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

export type TaskStatus = 'estimating' | 'estimated' | 'in_progress' | 'done';

export interface Task {
  id: string;
  title: string;
  skill: string;
  assigneeId: string;
  status: TaskStatus;
  estimateHours?: number;
  bufferHours?: number;
  complexity?: Complexity;
  /** Hours approved by the client for this task: estimate plus buffer, set on approval. */
  approvedHours?: number;
  result?: string;
  reworkCount: number;
}

export interface TimeEntry {
  id: string;
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

export interface RequestState {
  requestId: string;
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
  estimateRejections: { comment: string; at: string }[];
  reworkCount: number;
  timeEntries: TimeEntry[];
  events: AuditEvent[];
  closedAt?: string;
  closure?: { by: string; role: Role; note?: string };
  cancellation?: { by: string; role: Role; reason: string };
}
