import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import {
  WorkflowUpdateFailedError,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import { describeEventRu } from '../../domain/timeline-ru';
import { answerLanguage } from '../language';
import { Router, type Request } from 'express';
import type { z } from 'zod';
import { COMMAND_ROLES, DEFAULT_POLICY, billingOf, check, describeEvent, isTerminal, movedByPolicy, policyChanges, type Command, type RequestContext, type RequestState } from '../../domain';
import { clientPolicy, contextOf, policyVersionOf } from '../../stores/policies';
import type { Db } from '../../db/knex';
import { eventsPage, isListed, listRequests, storedState, type RequestListRow, type RequestRef } from '../../stores/requests';
import type { VisibilityCache } from '../visibility-cache';
import { fileRequest } from '../../stores/request-keys';
import { filingTerms } from '../../stores/intake';
import { hoursLeftAt } from '../../stores/ledger';
import { isSearchable, searchRequests } from '../../stores/search';
import {
  actionSignals,
  actionUpdates,
  appliedKeyQuery,
  requestWorkflowId,
  stateQuery,
  type Action,
  type RequestAnswer,
  type RequestWorkflowInput,
  type SignalCommand,
  type UpdateCommand,
} from '../../shared/contract';
import { actorOf, requireRole } from '../auth';
import { decodeCursor, decodeOffset, encodeCursor, encodeOffset } from '../cursor';
import { uncheckedTasks, viewFor } from '../views';
import { canSeeClient } from '../../stores/client-visibility';
import { badRequest, conflict, forbidden, notFound, rejectionToHttp, unavailable, unprocessable, within } from '../errors';

/** Idempotency keys and command hashes travel to the workflow as digests of this many hex digits. */
const KEY_DIGEST = 20;
import { timeEntriesOf, timeEntry, timeEntryPage } from '../../stores/time-entries';
import { actionBodies, pageQuery, createRequestBody, listRequestsQuery, entryNoParam, proposalIdParam, questionIdParam, requestRefParam, taskIdParam, uuidParam } from '../schemas';
import { mountConversation, type AttachmentLimits } from './conversation';
import { startRequestWorkflow } from '../../temporal/file-request';
import { caughtUp, madeGood } from '../../temporal/answer';

import { idempotencyKeyOf, sha256 } from '../idempotency';

/** The commands a route of their own carries (a reply travels with its message: POST /requests/:id/messages). */
export type RoutedCommand = Exclude<UpdateCommand | SignalCommand, 'reply'>;

/** Every action route with its command: the OpenAPI description is generated from it and the command's zod schema. */
export const ACTION_ROUTES = new Map<string, RoutedCommand>();

/** The workflow of a request: `request-<key>`, or `request-<id>` for one filed before keys. */
export const workflowIdOf = (row: { id: string; key: string | null }) => requestWorkflowId(row.key ?? row.id);

/** What the conversation and attachment routes use of the request router: visibility, and the workflow's messages. */
export interface RequestAccess {
  visibleRequest: (req: Request) => Promise<RequestRef>;
  /** Checks a command on the live state without sending it: 403/409 when refused. */
  check: (row: RequestRef, actor: Action['actor'], command: Command) => Promise<void>;
  /** Sends a Signal command after checking it on the live state (409/403 when refused); once per key. */
  signal: (row: RequestRef, action: Action, idempotencyKey: string | undefined) => Promise<void>;
  /** Applies an Update command and answers with the state (the same key is applied once). */
  update: (row: RequestRef, actor: Action['actor'], command: Command, idempotencyKey: string | undefined) => Promise<RequestState>;
}

export function requestsRouter({
  db,
  temporal,
  policyOverride,
  taskQueue,
  updateWaitMs,
  attachmentLimits,
  temporalUi,
  access,
}: {
  db: Db;
  temporal: Client;
  /** Who may see a request, kept between calls. */
  access: VisibilityCache;
  policyOverride?: RequestContext | undefined;
  taskQueue: string;
  updateWaitMs: number;
  attachmentLimits?: AttachmentLimits;
  temporalUi?: { url: string; namespace: string } | undefined;
}): Router {
  /** Every call on a workflow is bounded: 503 + Retry-After past the wait. */
  const bounded = <T>(call: Promise<T>) => within(updateWaitMs, call);
  const router = Router();

  /** The read-model row, or 404 when it does not exist or is not this actor's to see; the path names it by id or key. */
  async function visibleRequest(req: Request): Promise<RequestRef> {
    const actor = actorOf(req);
    if (actor.role === 'admin') throw forbidden('administrators manage people, not requests');
    const ref = requestRefParam.safeParse(req.params.id);
    if (!ref.success) throw badRequest('not a request id or key');
    const row = await access.visible(actor, uuidParam.safeParse(ref.data).success ? { id: ref.data } : { key: ref.data });
    if (!row) throw notFound('no such request');
    return row;
  }

  async function liveState(row: { id: string; key: string | null }): Promise<RequestState> {
    try {
      return await bounded(temporal.workflow.getHandle(workflowIdOf(row)).query(stateQuery));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw notFound('no such request');
      throw err;
    }
  }

  router.post('/requests', requireRole('client', 'manager', 'head'), async (req, res) => {
    const actor = actorOf(req);
    const body = createRequestBody.parse(req.body);
    const clientId = actor.role === 'client' ? actor.clientId : body.clientId;
    if (!clientId) throw badRequest('clientId is required when staff file a request on a client\'s behalf');
    if (actor.role === 'client' && body.clientId !== undefined && body.clientId !== actor.clientId) {
      throw forbidden('a client contact files requests only for their own organisation');
    }
    // A manager files only for the clients they manage; another's is as unknown as one that does not exist.
    if (actor.role !== 'client' && !(await canSeeClient(db, actor, clientId))) throw unprocessable(`no client ${clientId}`);

    const idempotencyKey = idempotencyKeyOf(req);
    const bodyHash = sha256(JSON.stringify({ ...body, clientId }));
    // The id and the key (ACME-42) are given here, once: a retry under the same Idempotency-Key gets the same ones.
    const filed = await fileRequest(db, { personId: actor.id, idempotencyKey, bodyHash, clientId, requestId: randomUUID() });
    if (filed.bodyHash !== bodyHash) throw unprocessable('this Idempotency-Key was already used with a different body');
    const { requestId, key, replayed } = filed;
    const terms = await filingTerms(db, clientId);

    const input: RequestWorkflowInput = {
      requestId,
      ...(key ? { key } : {}),
      clientId,
      title: body.title,
      description: body.description,
      priority: body.priority,
      createdBy: actor,
      // The subscription's policy as it is now, fixed for the life of the request (#16).
      context: policyOverride ?? terms.context,
      intake: terms.intake,
    };
    const row = { id: requestId, key: key ?? null };
    const filedState = await bounded(startRequestWorkflow(temporal, db, taskQueue, input));
    if (filedState) access.written(filedState);
    const state = filedState ?? (await liveState(row));
    res
      .status(201)
      .location(`/requests/${key ?? requestId}`)
      .set(replayed ? { 'Idempotent-Replayed': 'true' } : {})
      .json(viewFor(actor, state));
  });

  router.get('/requests', async (req, res) => {
    const actor = actorOf(req);
    if (actor.role === 'admin') throw forbidden('administrators manage people, not requests');
    const q = listRequestsQuery.parse(req.query);
    const item = (r: RequestListRow) => ({
      requestId: r.id,
      key: r.key,
      clientId: r.client_id,
      title: r.title,
      priority: r.priority,
      stage: r.stage,
      managerId: r.manager_id,
      estimateTotalHours: r.estimate_total_hours,
      version: r.version,
      createdAt: r.created_at.toISOString(),
      updatedAt: r.updated_at.toISOString(),
      closedAt: r.closed_at?.toISOString() ?? null,
      // PostgreSQL refused some of its data: the escalation says what (staff only).
      ...(actor.role === 'client' ? {} : { needsAttention: r.attention_reason !== null, triageDueAt: r.triage_due_at?.toISOString() ?? null }),
    });
    if (q.q !== undefined) {
      // Ranked by relevance; the cursor counts the results before the next page.
      if (!(await isSearchable(db, q.q))) throw badRequest('the search has no words to look for (only stop words or punctuation)');
      const offset = q.cursor ? decodeOffset(q.cursor) : 0;
      const { hits, more, complete } = await searchRequests(db, actor, q.q, q, offset);
      res.json({
        // false: the words are so frequent that only the first matches the index yields were ranked.
        complete,
        items: hits.map((h) => ({ ...item(h), rank: h.rank, matched: h.matched, snippet: h.snippet })),
        nextCursor: more && offset + q.limit <= 10_000 ? encodeOffset(offset + q.limit) : null,
      });
      return;
    }
    const rows = await listRequests(db, actor, { ...q, after: q.cursor ? decodeCursor(q.cursor, uuidParam) : undefined });
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    res.json({
      items: page.map(item),
      nextCursor: rows.length > q.limit && last ? encodeCursor(last.created_at, last.id) : null,
    });
  });

  router.get('/requests/:id', async (req, res) => {
    const actor = actorOf(req);
    const row = await visibleRequest(req);
    const state = await liveState(row);
    // Staff see each task's billing, worked out from the time entries in the read model.
    const billing = actor.role === 'client' ? undefined : billingOf({ tasks: state.tasks, timeEntries: await timeEntriesOf(db, row.id) });
    const view = viewFor(actor, state, billing);
    if (actor.role === 'client') {
      res.json(view);
      return;
    }
    // Staff: the workflow behind the request, and where the Temporal UI shows it.
    const workflowId = workflowIdOf(row);
    const url = temporalUi ? `${temporalUi.url}/namespaces/${encodeURIComponent(temporalUi.namespace)}/workflows/${encodeURIComponent(workflowId)}` : null;
    res.json({ ...view, workflow: { id: workflowId, url } });
  });

  /** The request's time entries, by entry number (`after`, `limit`); a client sees the billable ones. */
  router.get('/requests/:id/time', async (req, res) => {
    const actor = actorOf(req);
    const row = await visibleRequest(req);
    const q = pageQuery.parse(req.query);
    const page = await timeEntryPage(db, row.id, { after: q.after, limit: q.limit, billableOnly: actor.role === 'client' });
    const items = page.items.map((e) =>
      actor.role === 'client' ? { id: e.id, taskId: e.taskId ?? null, minutes: e.minutes, category: e.category, at: e.at } : e,
    );
    res.json({ requestId: row.id, items, nextAfter: page.next });
  });

  /** The idempotency digests an action travels with: the person-scoped key (its own when the caller sent none) and the command's hash. */
  const digestsOf = (actor: Action['actor'], key: string | undefined, requested: Command) => ({
    key: sha256(`${actor.id}:${key ?? randomUUID()}`).slice(0, KEY_DIGEST),
    hash: sha256(JSON.stringify(requested)).slice(0, KEY_DIGEST),
  });

  /**
   * A Signal command: checked on the live state first (a refusal is the caller's 403/409); a retry
   * under the same key is recognised. Answers whether it had been sent already.
   */
  async function sendSignal(row: RequestRef, kind: SignalCommand, actor: Action['actor'], command: Command, key: string | undefined, requested: Command = command): Promise<{ replayed: boolean }> {
    const handle = temporal.workflow.getHandle(workflowIdOf(row));
    const idempotency = digestsOf(actor, key, requested);
    const action = { actor, command, idempotency };
    const appliedAs = async () => (key !== undefined ? await bounded(handle.query(appliedKeyQuery, idempotency.key)) : null);
    let seen = await appliedAs();
    if (seen && seen.hash !== idempotency.hash) throw unprocessable('this Idempotency-Key was already used with a different request');
    if (!seen) {
      const rejection = check(await liveState(row), actor, command);
      if (rejection) {
        // A retry racing the first: the request has moved because that one was applied.
        seen = await appliedAs();
        if (!seen || seen.hash !== idempotency.hash) throw rejectionToHttp(rejection);
      } else {
        await bounded(handle.signal(actionSignals[kind], action));
      }
    }
    return { replayed: seen !== null };
  }

  /** An Update command, applied once per key; answers with the state once projected. */
  async function sendUpdate(row: RequestRef, kind: UpdateCommand, actor: Action['actor'], command: Command, key: string | undefined, requested: Command = command): Promise<RequestState> {
    const handle = temporal.workflow.getHandle(workflowIdOf(row));
    // A retry with the same key is answered, never applied twice: the workflow remembers the key
    // (across continue-as-new), and Temporal joins a retry to an Update still in flight by its id.
    const idempotency = digestsOf(actor, key, requested);
    const updateId = `${kind}-${sha256(`${idempotency.key}\n${idempotency.hash}`)}`;
    return bounded(
      applyUpdate(handle, kind, { actor, command, idempotency }, updateId)
        .then((answer) => madeGood(db, temporal, handle, answer))
        .then((state) => {
          access.written(state);
          return state;
        }),
    );
  }

  /** One POST per human action. Updates answer with the new state; signals are checked first, then accepted. */
  function action<T extends RoutedCommand>(
    path: string,
    type: T,
    toCommand: (body: z.infer<(typeof actionBodies)[T]>, req: Request) => Extract<Command, { type: T }>,
  ) {
    ACTION_ROUTES.set(path, type);
    router.post(path, async (req, res) => {
      const actor = actorOf(req);
      if (!COMMAND_ROLES[type].includes(actor.role)) {
        throw forbidden(`${type} needs the role ${COMMAND_ROLES[type].join(' or ')}; you are ${actor.role}`);
      }
      const row = await visibleRequest(req);
      const body = actionBodies[type].parse(req.body ?? {}) as z.infer<(typeof actionBodies)[T]>;
      const requested = toCommand(body, req);
      const command = await withEntry(row, requested);
      const key = idempotencyKeyOf(req);
      const kind: RoutedCommand = type;
      if (kind === 'rework' || kind === 'changeScope') {
        const { replayed } = await sendSignal(row, kind, actor, command, key, requested);
        res
          .status(202)
          .set(replayed ? { 'Idempotent-Replayed': 'true' } : {})
          .json({ accepted: true, requestId: row.id, action: kind });
        return;
      }
      const state = await sendUpdate(row, kind, actor, command, key, requested);
      const linked = kind === 'openLinkedRequest' ? state.linked.at(-1) : undefined;
      // Read-your-writes: the new linked request is in the read model before the answer, as a filed one is.
      if (linked) await bounded(untilListed(linked));
      res.json(viewFor(actor, state));
    });
  }

  mountConversation(router, {
    db,
    ...(attachmentLimits ? { limits: attachmentLimits } : {}),
    visibleRequest,
    check: async (row, actor, command) => {
      const rejection = check(await liveState(row), actor, command);
      if (rejection) throw rejectionToHttp(rejection);
    },
    signal: (row, action, key) => sendSignal(row, 'reply', action.actor, action.command, key).then(() => undefined),
    update: (row, actor, command, key) => {
      if (command.type === 'reply' || command.type === 'rework' || command.type === 'changeScope') throw new Error(`${command.type} is not an Update`);
      return sendUpdate(row, command.type, actor, command, key);
    },
  });

  /**
   * Sends the Update. When the run it reached ended under it — the request closed, or continued
   * as new before answering — the current run says whether it was applied (its key): then the
   * answer is the state; if the request is still open, it is sent again (same Update id).
   */
  async function applyUpdate(handle: ReturnType<Client['workflow']['getHandle']>, kind: UpdateCommand, action: Action & { idempotency: { key: string; hash: string } }, updateId: string): Promise<RequestAnswer> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await handle.executeUpdate(actionUpdates[kind], { args: [action], updateId });
      } catch (err) {
        const runEnded =
          err instanceof WorkflowNotFoundError ||
          (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === 'AcceptedUpdateCompletedWorkflow');
        // The server gave up on the Update while the worker was still on it (a long workflow task): it may yet be applied.
        // Or the run has taken all the Updates Temporal allows one run, and is continuing as new.
        // Or the server failed the workflow task that answered it (for one, a message arrived while
        // that task ended the workflow): the task is undone, the Update with it, and it is sent again.
        const dropped =
          (err instanceof WorkflowUpdateFailedError && /wasn't processed by worker/.test(`${err.message} ${err.cause?.message ?? ''}`)) ||
          (err instanceof Error && /limit on the total number of distinct updates|unexpected workflow task failure/.test(`${err.message} ${(err.cause as Error | undefined)?.message ?? ''}`));
        if (!runEnded && !dropped) throw err;
        if (dropped) await new Promise((r) => setTimeout(r, 100 * attempt));
        // Applied under this key (the retry of the call that closed it, too): answered with the state now.
        const now = await handle.query(stateQuery);
        const seen = await handle.query(appliedKeyQuery, action.idempotency.key);
        if (seen) {
          if (seen.hash !== action.idempotency.hash) throw unprocessable('this Idempotency-Key was already used with a different request');
          // Its answer, and the records it handed out, went to nobody: the workflow writes them.
          if (!isTerminal(now.stage)) await caughtUp(handle, seen.version);
          return now;
        }
        if (isTerminal(now.stage) || (await handle.describe()).status.name !== 'RUNNING') throw ended(now);
        if (attempt >= 5) throw unavailable('the request did not take the action yet');
      }
    }
  }

  async function untilListed(requestId: string): Promise<void> {
    const deadline = Date.now() + updateWaitMs;
    while (!(await isListed(db, requestId)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  }

  /** The refusal of an action on a request whose workflow has ended (and that was not a retry of one it applied). */
  function ended(final: RequestState) {
    if (!isTerminal(final.stage)) return conflict("the request's workflow has ended without closing it; it takes no more actions, and its manager has been told");
    return conflict(`the request is ${final.stage === 'Cancelled' ? 'cancelled' : 'closed'} and takes no more actions`);
  }

  /** A path parameter, written exactly as this API writes it (`T1`, not `T01`), else 400. */
  const param = (schema: typeof taskIdParam, name: string, what: string) => (req: Request) => {
    const parsed = schema.safeParse(req.params[name]);
    if (!parsed.success) throw badRequest(`not a ${what} id: ${parsed.error.issues[0]?.message ?? 'malformed'}`);
    return parsed.data;
  };
  const taskId = param(taskIdParam, 'taskId', 'task');
  const entryNo = param(entryNoParam, 'entryNo', 'time entry');
  const questionId = param(questionIdParam, 'questionId', 'question');
  const proposalId = param(proposalIdParam, 'proposalId', 'proposal');

  action('/requests/:id/triage', 'triage', (b) => ({ type: 'triage', ...b }));
  action('/requests/:id/decompose', 'decompose', (b) => ({ type: 'decompose', ...b }));
  action('/requests/:id/questions', 'askQuestion', (b) => ({ type: 'askQuestion', ...b }));
  action('/requests/:id/questions/:questionId/answer', 'answerQuestion', (b, req) => ({ type: 'answerQuestion', questionId: questionId(req), ...b }));
  action('/requests/:id/questions/:questionId/ask-client', 'askClient', (b, req) => ({ type: 'askClient', questionId: questionId(req), ...b }));
  action('/requests/:id/ask-client', 'askClient', (b) => ({ type: 'askClient', ...b }));
  action('/requests/:id/questions/:questionId/client-answer', 'answerClient', (b, req) => ({ type: 'answerClient', questionId: questionId(req), ...b }));
  action('/requests/:id/tasks/:taskId/estimate', 'estimate', (b, req) => ({ type: 'estimate', taskId: taskId(req), ...b }));
  action('/requests/:id/tasks/:taskId/estimate-review', 'reviewEstimate', (b, req) => ({ type: 'reviewEstimate', taskId: taskId(req), ...b }));
  action('/requests/:id/approve', 'approveEstimate', (b) => ({ type: 'approveEstimate', ...b }));
  action('/requests/:id/reject', 'rejectEstimate', (b) => ({ type: 'rejectEstimate', ...b }));
  action('/requests/:id/time', 'logTime', (b) => ({ type: 'logTime', ...b }));
  action('/requests/:id/time/:entryNo/correct', 'correctTime', (b, req) => ({ type: 'correctTime', entryId: `${String(req.params.id)}:te:${entryNo(req)}`, ...b }));
  // The entry as the read model holds it travels with the correction: the workflow no longer keeps written entries.
  // A policy move travels with the version it moves to, an estimate with the month's hours left (R14), resolved
  // here: the workflow does no I/O for them.
  const withEntry = async (row: RequestRef, command: Command): Promise<Command> => {
    if (command.type === 'estimate' || command.type === 'reviewEstimate') {
      return { ...command, hoursLeft: await hoursLeftAt(db, row.client_id, new Date().toISOString()) };
    }
    if (command.type === 'applyPolicy') {
      const now = await clientPolicy(db, row.client_id);
      if (now.ref.policyId !== command.policyId || now.ref.version !== command.version) {
        throw conflict(`the client's policy is now ${now.ref.name} v${now.ref.version} (${now.ref.policyId}); look at what it changes (GET /requests/:id/policy) and apply that`, { current: now.ref });
      }
      return { ...command, context: contextOf(now) };
    }
    if (command.type !== 'correctTime') return command;
    const before = await timeEntry(db, row.id, command.entryId);
    return before ? { ...command, before } : command;
  };
  action('/requests/:id/tasks/:taskId/progress', 'reportProgress', (b, req) => ({ type: 'reportProgress', taskId: taskId(req), ...b }));
  action('/requests/:id/tasks/:taskId/blocker', 'reportBlocker', (b, req) => ({ type: 'reportBlocker', taskId: taskId(req), ...b }));
  action('/requests/:id/tasks/:taskId/deadline-proposal', 'proposeDeadline', (b, req) => ({ type: 'proposeDeadline', taskId: taskId(req), ...b }));
  action('/requests/:id/deadline-proposals/:proposalId/answer', 'agreeDeadline', (b, req) => ({ type: 'agreeDeadline', proposalId: proposalId(req), ...b }));
  action('/requests/:id/tasks/:taskId/helpers', 'addSpecialist', (b, req) => ({ type: 'addSpecialist', taskId: taskId(req), ...b }));
  action('/requests/:id/tasks/:taskId/decline', 'declineTask', (b, req) => ({ type: 'declineTask', taskId: taskId(req), ...b }));
  action('/requests/:id/priority', 'changePriority', (b) => ({ type: 'changePriority', ...b }));
  action('/requests/:id/tasks/:taskId/reassign', 'reassignTask', (b, req) => ({ type: 'reassignTask', taskId: taskId(req), ...b }));
  action('/requests/:id/tasks/:taskId/complete', 'completeTask', (b, req) => ({ type: 'completeTask', taskId: taskId(req), ...b }));
  action('/requests/:id/tasks/:taskId/result-review', 'reviewResult', (b, req) => ({ type: 'reviewResult', taskId: taskId(req), ...b }));
  action('/requests/:id/accept-result', 'acceptResult', () => ({ type: 'acceptResult' }));
  action('/requests/:id/rework', 'rework', (b) => ({ type: 'rework', ...b }));
  action('/requests/:id/scope', 'changeScope', (b) => ({ type: 'changeScope', ...b }));
  action('/requests/:id/linked-requests', 'openLinkedRequest', (b) => ({ type: 'openLinkedRequest', ...b }));
  action('/requests/:id/confirm-closure', 'confirmClosure', (b) => ({ type: 'confirmClosure', ...b }));
  action('/requests/:id/cancel', 'cancel', (b) => ({ type: 'cancel', ...b }));
  action('/requests/:id/policy', 'applyPolicy', (b) => ({ type: 'applyPolicy', ...b }));

  /**
   * #16: the policy the request runs under, the client's current one, and what moving to it would
   * change on this request (deadlines moved, fields changed). Nothing moves until the manager
   * applies it (POST /requests/:id/policy).
   */
  router.get('/requests/:id/policy', requireRole('manager', 'head'), async (req, res) => {
    const row = await visibleRequest(req);
    const state = await liveState(row);
    const latest = await clientPolicy(db, row.client_id);
    const current = state.policy ? await policyVersionOf(db, state.policy.policyId, state.policy.version) : undefined;
    const upToDate = state.policy?.policyId === latest.ref.policyId && state.policy.version === latest.ref.version;
    const moved = movedByPolicy(state, contextOf(latest));
    const moves = Object.entries(moved.detail).map(([what, change]) => ({ what, ...(change as { from: unknown; to: unknown }) }));
    res.json({
      requestId: row.id,
      current: state.policy ?? null,
      latest: latest.ref,
      upToDate,
      applicable: !upToDate && !isTerminal(state.stage),
      moves: upToDate ? [] : moves,
      changes: upToDate ? [] : policyChanges(current?.policy ?? DEFAULT_POLICY, latest.policy),
      kept: ['task deadlines agreed with the client stay as agreed; a new one is proposed to the client (POST /requests/:id/tasks/:taskId/deadline-proposal)'],
    });
  });

  /** A readable history of the request, drawn from the same events as the workflow; a client sees what concerns them. */
  router.get('/requests/:id/timeline', async (req, res) => {
    const actor = actorOf(req);
    const row = await visibleRequest(req);
    const state = await storedState(db, row.id);
    const q = pageQuery.parse(req.query);
    const events = await eventsPage(db, row.id, q.after, q.limit + 1);
    // R10: an estimate or a result the mentor has not checked yet is not news for anyone else.
    const hidden = uncheckedTasks(actor, state);
    const unchecked = (e: (typeof events)[number]) =>
      (e.type === 'estimate' && hidden.estimates.has(String(e.detail.taskId))) || (e.type === 'completeTask' && hidden.results.has(String(e.detail.taskId)));
    const page = events.slice(0, q.limit);
    const language = await answerLanguage(db, req, res);
    const items = page
      .filter((e) => !unchecked(e))
      .map((e) => ({ e, d: describeEvent(e, state.timeZone) }))
      .filter(({ d }) => actor.role !== 'client' || d.audience === 'all')
      .map(({ e, d }) => ({ seq: e.seq, at: e.at, actorRole: e.actorRole, type: e.type, text: (language === 'ru' ? describeEventRu(e, state.timeZone) : undefined) ?? d.text }));
    res.json({ requestId: row.id, language, items, nextAfter: events.length > q.limit ? (page.at(-1)?.seq ?? null) : null });
  });

  return router;
}
