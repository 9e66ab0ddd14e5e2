// The API's OpenAPI 3.1 description, generated from the same zod schemas that validate requests
// (z.toJSONSchema): the request routes' actions come from the router itself, the rest from the
// table below; a test checks that the table and the routes Express serves are the same set.
import { z } from 'zod';
import { COMMAND_ROLES, type Role } from '../domain';
import { ACTION_ROUTES } from './routes/requests';
import * as s from './schemas';
import * as r from './responses';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface Operation {
  method: Method;
  path: string;
  summary: string;
  roles: readonly Role[] | 'public';
  body?: z.ZodType;
  query?: z.ZodType;
  status: number;
  /** What the success answers with, when it is not JSON. */
  produces?: string;
  /** What the body is, when it is not JSON (an upload's bytes). */
  consumes?: string;
  /** What a success answers with (an open object when not described). */
  response?: z.ZodType;
}

const staff: Role[] = ['manager', 'head'];
const everyone: Role[] = ['client', 'manager', 'specialist', 'head', 'admin'];

export const OPERATIONS: Operation[] = [
  { method: 'get', path: '/healthz', summary: 'Liveness', roles: 'public', status: 200, response: r.healthResponse },
  { method: 'get', path: '/readyz', summary: 'Readiness: PostgreSQL and Temporal answer', roles: 'public', status: 200, response: r.readyResponse },
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics', roles: 'public', status: 200, produces: 'text/plain' },
  { method: 'get', path: '/openapi.json', summary: 'This description', roles: 'public', status: 200, response: r.openApiResponse },
  { method: 'get', path: '/docs', summary: 'This description as a readable page', roles: 'public', status: 200, produces: 'text/html' },
  {
    method: 'get',
    path: '/events',
    summary:
      'Live changes (server-sent events) for the signed-in person: `request` with `{"id"}` when a request they may see changed, `inbox` when a notice for them arrived, `escalation` (staff) when escalations changed, `refresh` when everything should be read again. An event never carries content. At most 8 streams per person (429 beyond)',
    roles: everyone,
    status: 200,
    produces: 'text/event-stream',
  },
  { method: 'get', path: '/me', summary: 'Who the token belongs to', roles: everyone, status: 200, response: r.meResponse },
  { method: 'post', path: '/auth/login', summary: 'Sign in with e-mail and password: a session cookie (httpOnly) and its CSRF token; 429 while the account is locked', roles: 'public', body: s.signInBody, status: 200 , response: r.signedInResponse },
  { method: 'get', path: '/auth/invitations/:token', summary: 'Who an invitation is for, while it is unused and unexpired', roles: 'public', status: 200 , response: r.invitationResponse },
  { method: 'post', path: '/auth/invitations/:token/accept', summary: 'Choose a password with an invitation (once): signs in', roles: 'public', body: s.passwordBody, status: 201 , response: r.signedInResponse },
  { method: 'get', path: '/auth/session', summary: 'Who is signed in, and the CSRF token to send as X-CSRF-Token with every change', roles: everyone, status: 200 , response: r.sessionResponse },
  { method: 'patch', path: '/me/preferences', summary: 'My language (`en`, `ru`, or null for my browser\'s): the web app and the client timeline speak it', roles: everyone, body: s.preferencesBody, status: 200, response: r.preferencesResponse },
  { method: 'get', path: '/me/mail', summary: 'My mail settings: my address, my digest hour (in my time zone) and, per kind of notification, `instant`, `digest` or `none` (`*`: every kind not named)', roles: ['client', 'manager', 'specialist', 'head'], status: 200, response: r.mailSettingsResponse },
  { method: 'put', path: '/me/mail', summary: 'Replace my mail settings (the kinds not named follow `*`)', roles: ['client', 'manager', 'specialist', 'head'], body: s.mailSettingsBody, status: 200, response: r.mailSettingsResponse },
  { method: 'get', path: '/mail/quarantine', summary: 'Mail the mailbox did not file: unknown senders, auto-replies, bounces, loops, unreadable or too large mail, with the reason (newest first)', roles: staff, query: s.quarantineQuery, status: 200, response: r.quarantineResponse },
  { method: 'get', path: '/mail/quarantine/:mailId/raw', summary: 'A quarantined mail as received, as a download', roles: staff, status: 200, produces: 'message/rfc822' },
  { method: 'post', path: '/mail/quarantine/:mailId/dismiss', summary: 'Dismiss a quarantined mail once reviewed', roles: staff, status: 204 },
  { method: 'post', path: '/auth/logout', summary: 'Sign out of this session', roles: everyone, status: 204 },
  { method: 'post', path: '/auth/logout-everywhere', summary: 'End every session of mine', roles: everyone, status: 200, response: r.endedSessionsResponse },
  { method: 'post', path: '/admin/invitations', summary: 'Invite a person to sign in: the link is shown once and expires', roles: ['admin'], body: s.invitationBody, status: 201, response: r.invitationCreatedResponse },
  { method: 'post', path: '/requests', summary: 'File a request (honours Idempotency-Key)', roles: ['client', 'manager', 'head'], body: s.createRequestBody, status: 201 , response: r.requestResponse },
  { method: 'get', path: '/requests', summary: 'List requests from the read model, keyset-paginated', roles: ['client', 'manager', 'specialist', 'head'], query: s.listRequestsQuery, status: 200 , response: r.requestListResponse },
  { method: 'get', path: '/requests/:id', summary: "A request's live state (:id is its id or its key, e.g. ACME-42, here and in every /requests/:id path)", roles: ['client', 'manager', 'specialist', 'head'], status: 200 , response: r.requestResponse },
  { method: 'post', path: '/requests/:id/messages', summary: 'Write in the conversation: a public reply, or (staff) an internal note; with minutes, the time is logged too (honours Idempotency-Key)', roles: ['client', 'manager', 'specialist', 'head'], body: s.postMessageBody, status: 201 , response: r.messageResponse },
  { method: 'get', path: '/requests/:id/messages', summary: 'The conversation, oldest first (after, limit); a client sees the public messages', roles: ['client', 'manager', 'specialist', 'head'], query: s.pageQuery, status: 200 , response: r.messagePageResponse },
  { method: 'get', path: '/requests/:id/messages/:messageId', summary: 'One message with its attachments', roles: ['client', 'manager', 'specialist', 'head'], status: 200 , response: r.messageResponse },
  { method: 'patch', path: '/requests/:id/messages/:messageId', summary: 'Edit your message (the text it replaces is kept)', roles: ['client', 'manager', 'specialist', 'head'], body: s.editMessageBody, status: 200 , response: r.messageResponse },
  { method: 'delete', path: '/requests/:id/messages/:messageId', summary: 'Delete a message softly, with a reason', roles: ['manager', 'specialist', 'head'], body: s.deleteMessageBody, status: 200 , response: r.messageResponse },
  { method: 'get', path: '/requests/:id/messages/:messageId/revisions', summary: "A message's earlier texts", roles: ['manager', 'specialist', 'head'], status: 200, response: r.revisionsResponse },
  { method: 'post', path: '/requests/:id/attachments', summary: 'Upload a file: the body is its bytes (any Content-Type), streamed into PostgreSQL; 413 over the limits (honours Idempotency-Key)', roles: ['client', 'manager', 'specialist', 'head'], query: s.uploadQuery, status: 201, consumes: 'application/octet-stream' , response: r.attachmentResponse },
  { method: 'get', path: '/requests/:id/attachments', summary: "The request's files you may see", roles: ['client', 'manager', 'specialist', 'head'], status: 200 , response: r.attachmentListResponse },
  { method: 'get', path: '/requests/:id/attachments/:attachmentId', summary: 'Download a file (always as an attachment, typed by its bytes)', roles: ['client', 'manager', 'specialist', 'head'], status: 200, produces: 'application/octet-stream' },
  { method: 'get', path: '/requests/:id/timeline', summary: 'A readable history of the request, by event number (after, limit)', roles: ['client', 'manager', 'specialist', 'head'], query: s.pageQuery, status: 200 , response: r.timelineResponse },
  { method: 'get', path: '/requests/:id/time', summary: "The request's time entries, by entry number (after, limit); a client sees the billable ones", roles: ['client', 'manager', 'specialist', 'head'], query: s.pageQuery, status: 200, response: r.timeEntriesResponse },
  { method: 'post', path: '/admin/staff', summary: 'Add a person to staff (the head: specialists only)', roles: ['admin', 'head'], body: s.createStaffBody, status: 201, response: r.staffResponse },
  { method: 'patch', path: '/admin/staff/:id', summary: "Change a person's skills, capacity, mentor, seniority or activity", roles: ['admin', 'head'], body: s.updateStaffBody, status: 200, response: r.staffResponse },
  { method: 'get', path: '/admin/staff', summary: 'List staff', roles: ['admin', 'head', 'manager'], status: 200, response: r.staffListResponse },
  { method: 'get', path: '/admin/audit', summary: 'The administrative audit trail, newest first', roles: ['admin', 'head'], query: s.adminAuditQuery, status: 200, response: r.auditResponse },
  { method: 'post', path: '/admin/staff/:id/absences', summary: 'Record an absence', roles: ['admin', 'head'], body: s.absenceBody, status: 201, response: r.absenceResponse },
  { method: 'post', path: '/admin/clients', summary: 'Add a client', roles: ['admin'], body: s.createClientBody, status: 201, response: r.clientCreatedResponse },
  { method: 'get', path: '/admin/clients/:id', summary: 'A client with its subscriptions and contacts (whether each has set a password)', roles: ['admin', 'head'], status: 200, response: r.clientDetailsResponse },
  { method: 'get', path: '/clients', summary: 'List clients', roles: ['admin', 'head', 'manager'], status: 200, response: r.clientsResponse },
  { method: 'post', path: '/admin/clients/:id/subscriptions', summary: "Add a client's subscription", roles: ['admin'], body: s.createSubscriptionBody, status: 201, response: r.subscriptionResponse },
  { method: 'put', path: '/admin/clients/:id/subscriptions/:subscriptionId/policy', summary: "Point a subscription at a policy (null: the company default); running requests keep theirs", roles: ['admin'], body: s.subscriptionPolicyBody, status: 200, response: r.subscriptionPolicyResponse },
  { method: 'get', path: '/admin/policies', summary: 'The policies (SLA, calendar, buffers, reminders, rollover), the company default first', roles: ['admin', 'head', 'manager'], status: 200, response: r.policiesResponse },
  { method: 'post', path: '/admin/policies', summary: 'A new policy, at version 1', roles: ['admin'], body: s.createPolicyBody, status: 201, response: r.policyDetailResponse },
  { method: 'get', path: '/admin/policies/:id', summary: 'A policy at its latest version, with every version (who, when, why); ETag is the version', roles: ['admin', 'head', 'manager'], status: 200, response: r.policyDetailResponse },
  { method: 'get', path: '/admin/policies/:id/versions/:version', summary: 'One version of a policy, as requests filed under it run', roles: ['admin', 'head', 'manager'], status: 200, response: r.policyVersionResponse },
  { method: 'post', path: '/admin/policies/:id/versions', summary: 'A new version (the whole policy); with If-Match: "N", 412 when it is no longer at N', roles: ['admin'], body: s.updatePolicyBody, status: 201, response: r.policyDetailResponse },
  { method: 'get', path: '/requests/:id/policy', summary: "The request's policy version, its client's current one, and what moving to it would change (deadlines moved, fields changed)", roles: staff, status: 200, response: r.requestPolicyResponse },
  { method: 'post', path: '/admin/clients/:id/contacts', summary: 'Add a client contact', roles: ['admin'], body: s.createContactBody, status: 201, response: r.contactResponse },
  { method: 'post', path: '/admin/credentials', summary: 'Issue a token (shown once)', roles: ['admin'], body: s.createCredentialBody, status: 201, response: r.credentialIssuedResponse },
  { method: 'get', path: '/admin/credentials', summary: 'The tokens issued, newest first: whose, what for, until when, revoked (never the token)', roles: ['admin'], status: 200, response: r.credentialsResponse },
  { method: 'delete', path: '/admin/credentials/:id', summary: 'Revoke a token', roles: ['admin'], status: 204 },
  { method: 'get', path: '/clients/:id/months/:month', summary: "A client's month: included, committed, consumed, free, overage hours, and the burn-down by day", roles: ['client', 'manager', 'head'], status: 200, response: r.monthResponse },
  { method: 'get', path: '/clients/:id/statements/:month', summary: "A client's monthly statement (JSON, or CSV with `?format=csv` or `Accept: text/csv`)", roles: ['client', 'manager', 'head'], status: 200, response: r.statementResponse },
  { method: 'get', path: '/reports/estimate-accuracy', summary: 'Actual against estimate per specialist and skill', roles: staff, query: s.reportQuery, status: 200, response: r.estimateAccuracyResponse },
  { method: 'get', path: '/reports/utilisation', summary: 'Logged hours against capacity per specialist', roles: staff, query: s.reportQuery, status: 200, response: r.utilisationResponse },
  { method: 'get', path: '/inbox', summary: 'My notifications', roles: everyone, query: s.inboxQuery, status: 200 , response: r.inboxResponse },
  { method: 'post', path: '/inbox/:notificationId/read', summary: 'Mark a notification read', roles: everyone, status: 204 },
  { method: 'get', path: '/escalations', summary: 'Escalations: a manager their own, the head all', roles: staff, query: s.escalationsQuery, status: 200 , response: r.escalationsResponse },
  { method: 'post', path: '/escalations/:escalationId/acknowledge', summary: 'Acknowledge an escalation', roles: staff, status: 204 },
  { method: 'post', path: '/escalations/:escalationId/resolve', summary: 'Resolve an escalation', roles: staff, status: 204 },
  { method: 'get', path: '/workload', summary: 'Load per specialist and per skill, with the queue', roles: staff, status: 200, response: r.workloadResponse },
  { method: 'get', path: '/me/tasks', summary: 'My tasks, most urgent first, and the reviews waiting for me as a mentor (R10)', roles: ['specialist'], status: 200 , response: r.myTasksResponse },
  { method: 'post', path: '/workload/dispatch', summary: 'Give waiting tasks to whoever has room now', roles: ['admin', 'head', 'manager'], status: 200, response: r.dispatchResponse },
  { method: 'post', path: '/workload/review', summary: 'Run the workload review now', roles: staff, status: 200, response: r.workloadReviewResponse },
  { method: 'get', path: '/workload/review', summary: 'The latest workload review', roles: staff, status: 200, response: r.workloadReviewResponse },
  { method: 'post', path: '/workload/proposals/:id/apply', summary: 'Apply a reassignment proposal', roles: staff, status: 200, response: r.requestResponse },
];

/** All operations: the table above and every action route of the request router. */
export function allOperations(): Operation[] {
  const actions = [...ACTION_ROUTES].map(([path, type]): Operation => ({
    method: 'post',
    path,
    summary: `${type}: ${type === 'rework' || type === 'changeScope' ? 'a Signal, accepted with 202 after a stage check' : 'a Temporal Update; answers with the new state'}`,
    roles: COMMAND_ROLES[type],
    body: s.actionBodies[type],
    status: type === 'rework' || type === 'changeScope' ? 202 : 200,
    response: type === 'rework' || type === 'changeScope' ? r.acceptedResponse : r.requestResponse,
  }));
  return [...OPERATIONS, ...actions];
}

const toOpenApiPath = (p: string) => p.replace(/:(\w+)/g, '{$1}');

const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    requestId: { type: 'string' },
    errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } } } },
  },
};

/** What each refusal looks like, shown in the API reference. */
const PROBLEM_EXAMPLES: Record<string, { title: string; detail: string; errors?: object[] }> = {
  '400': { title: 'Bad Request', detail: 'the body does not match the schema', errors: [{ path: 'title', code: 'too_big', message: 'Too big: expected string to have <=200 characters' }] },
  '401': { title: 'Unauthorized', detail: 'sign in, or send a bearer token' },
  '403': { title: 'Forbidden', detail: 'a client may not do this' },
  '404': { title: 'Not Found', detail: 'no such request' },
  '409': { title: 'Conflict', detail: 'the request is in ClientApproval; this needs Execution' },
  '413': { title: 'Payload Too Large', detail: 'a file may be at most 25 MiB' },
  '415': { title: 'Unsupported Media Type', detail: 'send the body as application/json' },
  '422': { title: 'Unprocessable Content', detail: 'this Idempotency-Key was used for another call' },
  '429': { title: 'Too Many Requests', detail: 'rate limit reached; retry in 12 s' },
  '503': { title: 'Service Unavailable', detail: 'the request did not answer in time; retry with the same Idempotency-Key' },
};

const problem = (status: string) => {
  const ex = PROBLEM_EXAMPLES[status]!;
  return {
    description: ex.title,
    content: { 'application/problem+json': { schema: PROBLEM_SCHEMA, example: { type: 'about:blank', status: Number(status), ...ex, requestId: '7d0c5a5e-2f7e-4f0a-9a51-0c8f7f3b6a11' } } },
  };
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

/** Every POST on a request honours it: a retry with the same key is answered, never applied twice. */
const idempotencyKeyHeader = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'Retry with the same key after a timeout or a 503: the call is answered again, not applied twice.',
  schema: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[\\x21-\\x7e]+$' },
};

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of allOperations()) {
    const params = [...op.path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const queryProps = op.query ? ((jsonSchema(op.query).properties ?? {}) as Record<string, unknown>) : {};
    const query = Object.entries(queryProps).map(([name, schema]) => ({ name, in: 'query', required: false, schema }));
    const errors = op.roles === 'public' ? {} : Object.fromEntries(Object.keys(PROBLEM_EXAMPLES).map((status) => [status, problem(status)]));
    const success =
      op.status === 204
        ? { description: 'Done' }
        : { description: 'Success', content: { [op.produces ?? 'application/json']: { schema: op.produces ? { type: 'string' } : op.response ? jsonSchema(op.response, 'output') : { type: 'object' } } } };
    (paths[toOpenApiPath(op.path)] ??= {})[op.method] = {
      summary: op.summary,
      ...(op.roles === 'public' ? { security: [] } : { description: `Roles: ${op.roles.join(', ')}.` }),
      parameters: [...params, ...query, ...(op.path.startsWith('/requests') && op.method === 'post' ? [idempotencyKeyHeader] : [])],
      ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(op.body) } } } } : {}),
      ...(op.consumes ? { requestBody: { required: true, content: { [op.consumes]: { schema: { type: 'string', format: 'binary' } } } } } : {}),
      responses: { [String(op.status)]: success, ...errors },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Retainer Desk API', version: '0.1.0', description: 'A service desk for subscription support; every client request is a Temporal workflow.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
