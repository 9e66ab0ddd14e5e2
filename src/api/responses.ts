// What the API answers, described with zod for /openapi.json (so the web app's types are
// generated from it and schemathesis checks the answers). Objects are open (more fields may come).
import { z } from 'zod';
import { PRIORITIES, ROLES, STAGES } from '../domain';

const actor = z.looseObject({ id: z.string(), role: z.enum(ROLES), clientId: z.string().optional() });
const when = z.string().describe('an ISO 8601 moment');

export const sessionResponse = z.object({ actor, csrfToken: z.string().nullable(), via: z.enum(['session', 'token']), language: z.enum(['en', 'ru']).nullable(), timeZone: z.string().describe('the time zone I read times in: my own (staff), my organisation\'s (clients)') });
export const preferencesResponse = z.object({ language: z.enum(['en', 'ru']).nullable() });
export const signedInResponse = z.object({ actor, csrfToken: z.string(), expiresAt: when });
export const invitationResponse = z.object({ name: z.string(), email: z.string(), role: z.enum(ROLES) });

const listItem = z.looseObject({
  requestId: z.string(),
  key: z.string().nullable(),
  clientId: z.string(),
  title: z.string(),
  priority: z.enum(PRIORITIES),
  stage: z.enum(STAGES),
  managerId: z.string(),
  estimateTotalHours: z.number().nullable(),
  version: z.number(),
  createdAt: when,
  updatedAt: when,
  closedAt: when.nullable(),
  needsAttention: z.boolean().optional().describe('staff only'),
  triageDueAt: when.nullable().optional().describe('staff only: while in Triage, when triage is due (R3)'),
  rank: z.number().optional().describe('with q: relevance'),
  matched: z.looseObject({ in: z.enum(['request', 'message']), messageId: z.string().optional() }).optional(),
  snippet: z.array(z.object({ text: z.string(), match: z.boolean() })).optional().describe('with q: the best passage, the words found marked'),
});
export const requestListResponse = z.looseObject({ items: z.array(listItem), nextCursor: z.string().nullable(), complete: z.boolean().optional() });

const task = z.looseObject({
  id: z.string(),
  title: z.string(),
  status: z.string(),
  progress: z.number(),
  skill: z.string().optional(),
  assigneeId: z.string().optional(),
  mentorId: z.string().optional(),
  estimateHours: z.number().optional(),
  bufferHours: z.number().optional(),
  approvedHours: z.number().optional(),
  deadlineAt: when.optional(),
  result: z.string().optional(),
});
const question = z.looseObject({ id: z.string(), status: z.string(), question: z.string().optional(), text: z.string().optional(), answer: z.string().optional() });
const proposal = z.looseObject({ id: z.string(), taskId: z.string(), newDeadline: when, extraHours: z.number(), cause: z.string(), note: z.string(), status: z.string() });

/** A request as its reader may see it: the client's view, or staff's (which has more). */
export const requestResponse = z.looseObject({
  requestId: z.string(),
  key: z.string().optional(),
  clientId: z.string(),
  title: z.string(),
  description: z.string(),
  priority: z.enum(PRIORITIES),
  stage: z.enum(STAGES),
  version: z.number(),
  managerId: z.string(),
  createdAt: when,
  tasks: z.array(task),
  estimateTotalHours: z.number().optional(),
  hoursLeft: z.number().optional(),
  deadlineAt: when.optional(),
  questions: z.array(question),
  proposals: z.array(proposal),
  slaPauses: z.array(z.looseObject({ from: when, to: when.optional() })),
  brief: z.string().optional(),
  resolution: z.string().optional(),
  closedAt: when.optional(),
  triageDueAt: when.optional().describe('staff only: when triage is due (R3)'),
  policy: z.looseObject({ policyId: z.string(), name: z.string(), version: z.number() }).optional().describe('staff only: the subscription policy version the request runs under (absent: filed before policies)'),
  workflow: z.looseObject({ id: z.string(), url: z.string().nullable() }).optional().describe('staff only, GET: the workflow behind the request and its page in the Temporal UI (TEMPORAL_UI_URL)'),
});

const attachment = z.looseObject({ id: z.string(), messageId: z.string().nullable(), filename: z.string(), contentType: z.string(), size: z.number(), sha256: z.string(), createdAt: when });
export const attachmentResponse = attachment;
export const attachmentListResponse = z.looseObject({ requestId: z.string(), items: z.array(attachment) });
export const messageResponse = z.looseObject({
  id: z.string(),
  seq: z.number(),
  requestId: z.string(),
  author: z.looseObject({ id: z.string(), role: z.enum(ROLES) }),
  internal: z.boolean(),
  body: z.string().nullable().describe('null once deleted'),
  minutes: z.number().nullable(),
  createdAt: when,
  editedAt: when.nullable(),
  revision: z.number(),
  deleted: z.looseObject({ at: when, by: z.string(), reason: z.string() }).nullable(),
  attachments: z.array(attachment),
});
export const messagePageResponse = z.looseObject({ requestId: z.string(), items: z.array(messageResponse), nextAfter: z.number().nullable() });
export const timelineResponse = z.looseObject({
  requestId: z.string(),
  language: z.enum(['en', 'ru']).describe('the language of the texts: the person\'s choice, else their browser\'s (Accept-Language)'),
  items: z.array(z.looseObject({ seq: z.number(), at: when, actorRole: z.string(), type: z.string(), text: z.string() })),
  nextAfter: z.number().nullable(),
});

export const inboxResponse = z.looseObject({
  language: z.enum(['en', 'ru']).describe('the language of the texts: the person\'s choice, else their browser\'s (Accept-Language)'),
  items: z.array(z.looseObject({ id: z.string(), requestId: z.string().nullable(), kind: z.string(), text: z.string(), createdAt: when, read: z.boolean() })),
  nextCursor: z.string().nullable(),
});
export const escalationsResponse = z.looseObject({
  items: z.array(
    z.looseObject({
      id: z.string(),
      requestId: z.string().nullable(),
      kind: z.string(),
      ownerRole: z.string(),
      ownerId: z.string().nullable(),
      taskId: z.string().nullable(),
      cause: z.string(),
      raisedAt: when,
      acknowledgedAt: when.nullable(),
      resolvedAt: when.nullable(),
    }),
  ),
});
export const myTasksResponse = z.looseObject({
  items: z.array(z.looseObject({ requestId: z.string(), taskId: z.string(), title: z.string(), skill: z.string(), priority: z.string(), status: z.string(), hours: z.number(), deadlineAt: when.nullable() })),
  reviews: z
    .array(z.looseObject({ requestId: z.string(), taskId: z.string(), title: z.string(), review: z.enum(['estimate', 'result']), priority: z.string(), estimateHours: z.number().nullable(), since: when }))
    .describe("R10: a junior's estimates and results waiting for me as their mentor"),
});

const hours = z.number().describe('hours, in quarter hours');
export const monthResponse = z.looseObject({
  period: z.string().describe('the first day of the month, YYYY-MM-DD'),
  timeZone: z.string(),
  includedHours: hours,
  rolledOverHours: hours,
  committedHours: hours,
  consumedHours: hours,
  freeHours: hours,
  overageHours: hours,
  days: z.array(z.looseObject({ date: z.string(), leftHours: hours })).describe('the burn-down: hours left at the end of each day so far'),
});
export const statementResponse = z.looseObject({
  clientId: z.string(),
  clientName: z.string(),
  // A statement closed before the burn-down was kept has no `days`.
  summary: monthResponse.extend({ days: monthResponse.shape.days.optional() }),
  requests: z.array(
    z.looseObject({
      requestId: z.string(),
      title: z.string(),
      closedAt: when.nullable(),
      stage: z.string(),
      billableHours: hours,
      nonBillable: z.record(z.string(), hours).optional().describe('staff only'),
      tasks: z.array(z.looseObject({})).optional().describe('staff only: per task, budget, actual, billable and non-billable hours'),
    }),
  ),
  totals: z.looseObject({ billableHours: hours, nonBillableHours: hours.optional() }),
  nonBillableByReason: z.record(z.string(), hours).optional().describe('staff only'),
  closed: z.boolean(),
});

const heldTask = z.looseObject({
  requestId: z.string(),
  taskId: z.string(),
  title: z.string(),
  skill: z.string(),
  priority: z.enum(PRIORITIES),
  status: z.string(),
  hours: hours,
  deadlineAt: when.nullable(),
  overCapacity: z.boolean(),
});
export const workloadResponse = z.looseObject({
  specialists: z.array(
    z.looseObject({
      id: z.string(),
      name: z.string(),
      seniority: z.string(),
      skills: z.array(z.string()),
      weeklyCapacityHours: hours,
      absent: z.boolean(),
      assignedHours: hours,
      freeHours: hours,
      load: z.number().describe('weighted open hours against the week (1 = full)'),
      tasks: z.array(heldTask),
    }),
  ),
  skills: z.array(
    z.looseObject({
      skill: z.string(),
      specialists: z.number(),
      capacityHours: hours,
      assignedHours: hours,
      queue: z.array(z.looseObject({ requestId: z.string(), taskId: z.string(), priority: z.enum(PRIORITIES), waitingFor: z.enum(['skill', 'capacity']), since: when })),
    }),
  ),
});
export const clientsResponse = z.looseObject({
  items: z.array(z.looseObject({ id: z.string(), name: z.string(), accountManagerId: z.string().nullable(), keyPrefix: z.string().nullable() })),
});

export const clientDetailsResponse = z.looseObject({
  id: z.string(),
  name: z.string(),
  accountManagerId: z.string().nullable(),
  keyPrefix: z.string().nullable(),
  subscriptions: z.array(
    z.looseObject({ id: z.string(), monthlyHours: hours, timezone: z.string(), startsOn: z.string(), endsOn: z.string().nullable(), rolloverUnused: z.boolean(), autoCloseAfterDays: z.number().nullable(), policyId: z.string().nullable() }),
  ),
  contacts: z.array(z.looseObject({ id: z.string(), name: z.string(), email: z.string(), hasPassword: z.boolean() })),
});
export const credentialsResponse = z.looseObject({
  items: z.array(
    z.looseObject({
      id: z.string(),
      label: z.string(),
      staffId: z.string().nullable(),
      contactId: z.string().nullable(),
      holder: z.string().nullable(),
      createdAt: when,
      expiresAt: when.nullable(),
      revokedAt: when.nullable(),
    }),
  ),
});
export const staffResponse = z.looseObject({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  role: z.string(),
  seniority: z.string().nullable(),
  skills: z.array(z.string()),
  weeklyCapacityHours: hours,
  mentorId: z.string().nullable(),
  timezone: z.string(),
  active: z.boolean(),
});
export const staffListResponse = z.looseObject({ items: z.array(staffResponse) });

export const healthResponse = z.looseObject({ status: z.literal('ok') });
export const readyResponse = z.looseObject({ status: z.enum(['ready', 'not ready', 'draining']).describe('draining: the process is stopping (SIGTERM) and takes no new traffic'), postgres: z.enum(['ok', 'down']), temporal: z.enum(['ok', 'down']) });
export const openApiResponse = z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) });
export const meResponse = actor;
export const endedSessionsResponse = z.looseObject({ ended: z.number().describe('sessions ended') });
export const invitationCreatedResponse = z.looseObject({
  id: z.string(),
  token: z.string().describe('shown once'),
  path: z.string().describe('the link to open: /app/invite/<token>'),
  expiresAt: when,
  for: z.looseObject({ name: z.string(), email: z.string(), role: z.enum(ROLES) }),
});
export const revisionsResponse = z.looseObject({
  messageId: z.string(),
  revision: z.number(),
  items: z.array(z.looseObject({ revision: z.number(), body: z.string(), replacedBy: z.string(), replacedAt: when })),
});
export const timeEntriesResponse = z.looseObject({
  requestId: z.string(),
  items: z.array(
    z.looseObject({
      id: z.string(),
      taskId: z.string().nullable().optional(),
      minutes: z.number(),
      category: z.string(),
      at: when,
      revision: z.number().optional().describe('staff only'),
      personId: z.string().optional().describe('staff only'),
      role: z.string().optional().describe('staff only'),
      billable: z.boolean().optional().describe('staff only'),
      billableReason: z.string().optional().describe('staff only'),
      note: z.string().optional().describe('staff only'),
    }),
  ),
  nextAfter: z.number().nullable(),
});
export const auditResponse = z.looseObject({
  items: z.array(
    z.looseObject({ id: z.number(), at: when, actorId: z.string(), actorRole: z.string(), action: z.string(), targetId: z.string(), detail: z.looseObject({}), reason: z.string().nullable() }),
  ),
  nextBefore: z.number().nullable(),
});
export const absenceResponse = z.looseObject({ id: z.string(), staffId: z.string(), startsOn: z.string(), endsOn: z.string(), kind: z.string(), note: z.string() });
export const subscriptionResponse = z.looseObject({
  id: z.string(),
  clientId: z.string(),
  monthlyHours: hours,
  timezone: z.string(),
  startsOn: z.string(),
  endsOn: z.string().nullable(),
  rolloverUnused: z.boolean(),
  autoCloseAfterDays: z.number().nullable(),
  policyId: z.string().nullable(),
});
export const contactResponse = z.looseObject({ id: z.string(), clientId: z.string(), name: z.string(), email: z.string() });
export const credentialIssuedResponse = z.looseObject({ id: z.string(), label: z.string(), expiresAt: when.nullable(), token: z.string().describe('shown once') });
export const clientCreatedResponse = z.looseObject({ id: z.string(), name: z.string() });
export const estimateAccuracyResponse = z.looseObject({
  month: z.string().nullable(),
  items: z.array(
    z.looseObject({ specialistId: z.string(), name: z.string(), skill: z.string(), tasks: z.number(), estimatedHours: hours, actualHours: hours, ratio: z.number(), suggestedBufferShare: z.number() }),
  ),
});
export const utilisationResponse = z.looseObject({
  month: z.string(),
  items: z.array(z.looseObject({ specialistId: z.string(), name: z.string(), capacityHours: hours, loggedHours: hours, billableHours: hours, utilisation: z.number() })),
});
export const dispatchResponse = z.looseObject({ assigned: z.number().describe('tasks given to someone') });
export const workloadReviewResponse = z.looseObject({
  at: when,
  allHands: z.array(z.looseObject({ skill: z.string(), waiting: z.number(), oldestSince: when })),
  missingSkills: z.array(z.looseObject({ skill: z.string(), waiting: z.number() })),
  idle: z.array(z.looseObject({ id: z.string(), name: z.string(), skills: z.array(z.string()) })),
  proposals: z.array(z.looseObject({ id: z.string(), requestId: z.string(), taskId: z.string(), fromId: z.string(), toId: z.string(), reason: z.string() })),
});
export const acceptedResponse = z.looseObject({ accepted: z.literal(true), requestId: z.string(), action: z.string() });

const policyRef = z.looseObject({ policyId: z.string(), name: z.string(), version: z.number() });
const policyBodyOut = z.looseObject({
  triageSlaMinutes: z.looseObject({ critical: z.number(), high: z.number(), normal: z.number(), low: z.number() }),
  deadlineGraceMinutes: z.number(),
  reminders: z.looseObject({ everyHours: z.number(), count: z.number() }),
  autoCloseAfterDays: z.number().nullable(),
  riskBuffer: z.looseObject({ low: z.number(), medium: z.number(), high: z.number(), largeWorkHours: z.number(), largeWorkExtra: z.number() }),
  quickAnswerMinutes: z.number(),
  rollover: z.looseObject({ mode: z.enum(['none', 'all', 'upTo']), maxHours: z.number().optional(), months: z.number().optional() }),
  underuseCheckDay: z.number(),
  calendar: z.looseObject({
    timeZone: z.string().nullable().describe("null: the subscription's time zone"),
    workdays: z.array(z.number()),
    hours: z.array(z.looseObject({ from: z.string(), to: z.string() })),
    holidays: z.array(z.string()),
  }),
});
export const policiesResponse = z.looseObject({
  items: z.array(
    z.looseObject({ id: z.string(), name: z.string(), isDefault: z.boolean(), version: z.number(), changedAt: when, changedBy: z.string(), subscriptions: z.number() }),
  ),
});
export const policyDetailResponse = z.looseObject({
  id: z.string(),
  name: z.string(),
  isDefault: z.boolean(),
  version: z.number(),
  subscriptions: z.number(),
  policy: policyBodyOut,
  versions: z.array(z.looseObject({ version: z.number(), createdBy: z.string(), createdAt: when, note: z.string().nullable() })),
});
export const policyVersionResponse = policyRef.extend({ policy: policyBodyOut, createdAt: when, createdBy: z.string(), note: z.string().nullable() });
export const subscriptionPolicyResponse = z.looseObject({ clientId: z.string(), subscriptionId: z.string(), policyId: z.string().nullable() });
export const requestPolicyResponse = z.looseObject({
  requestId: z.string(),
  current: policyRef.nullable().describe('null: filed before policies, under the company constants'),
  latest: policyRef,
  upToDate: z.boolean(),
  applicable: z.boolean(),
  moves: z.array(z.looseObject({ what: z.string(), from: z.unknown(), to: z.unknown() })).describe('what applying would move on this request'),
  changes: z.array(z.looseObject({ field: z.string(), from: z.unknown(), to: z.unknown() })),
  kept: z.array(z.string()),
});

export const mailSettingsResponse = z.object({
  address: z.string(),
  kinds: z.array(z.string()),
  digestHour: z.number().int(),
  modes: z.record(z.string(), z.enum(['instant', 'digest', 'none'])),
});

export const quarantineResponse = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      messageId: z.string(),
      from: z.string().nullable(),
      subject: z.string(),
      size: z.number().int(),
      reason: z.string().nullable(),
      status: z.enum(['quarantined', 'dismissed']),
      receivedAt: z.string(),
      reviewedAt: z.string().nullable(),
      reviewedBy: z.string().nullable(),
    }),
  ),
});
