// All I/O of the request workflow. Every activity is idempotent: a retry after a crash writes
// nothing twice (keys by request id + a stable business key, upserts gated by state version).
import { createHmac } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { AllocationResult, AuditEvent, Escalation, Notification, Priority, RequestBilling, RequestState, TimeEntry } from '../domain';
import { billingOf, priorityRank, type Task } from '../domain';
import { timeEntriesOf, timeEntry } from '../stores/time-entries';
import type { Db } from '../db/knex';
import { storable } from '../shared/text';
import { DATA_REJECTED, requestIdFromWorkflowId, requestWorkflowId, taskAssignedSignal } from '../shared/contract';
import { closePeriods, hoursLeftAt, releaseHeld, reserve, settle, subscriptionTerms, underuseForecast } from '../stores/ledger';
import { allocate, decline, dispatchQueued, leastLoaded, markNotified, release, reviewWorkload, type Allocation, type WorkloadReport } from '../stores/allocation';

export interface ProjectionInput {
  /**
   * Set on the second try after PostgreSQL refused the data: text loses what it cannot store
   * (NUL, unpaired surrogates), timestamps outside its range are left out.
   */
  sanitize?: boolean;
  /** The request's state without its lists of events, entries, notifications and escalations: only the new ones travel. */
  state: RequestState;
  events: AuditEvent[];
  timeEntries: TimeEntry[];
  notifications: Notification[];
  escalations: Escalation[];
}

export interface Webhook {
  url: string;
  /** HMAC-SHA256 key: receivers check `Webhook-Signature` against it. */
  secret: string;
}

/** `v1=` + HMAC-SHA256 over "<id>.<timestamp>.<body>", hex. */
export function signWebhook(secret: string, id: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${id}.${timestamp}.${body}`).digest('hex')}`;
}


/** A timestamp PostgreSQL accepts (years 1–9999), else null. */
function storableTime(iso: string | undefined | null): string | null {
  if (iso === undefined || iso === null) return null;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return null;
  const year = new Date(t).getUTCFullYear();
  return year >= 1 && year <= 9999 ? iso : null;
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation): the data is wrong, not the moment. */
export function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
}

/**
 * Every activity fails for good (not retried) when PostgreSQL refuses its data: the request's
 * workflow then decides what to do (flag it for a person) instead of retrying for ever.
 */
function failOnData<T extends Record<string, (...args: never[]) => Promise<unknown>>>(acts: T): T {
  return Object.fromEntries(
    Object.entries(acts).map(([name, fn]) => [
      name,
      async (...args: never[]) => {
        try {
          return await fn(...args);
        } catch (err) {
          if (!isDataError(err)) throw err;
          const e = err as { code: string; message?: string };
          throw ApplicationFailure.create({ type: DATA_REJECTED, nonRetryable: true, message: `PostgreSQL refused the data (${e.code}): ${storable(String(e.message ?? '')).slice(0, 300)}` });
        }
      },
    ]),
  ) as T;
}

function toResult(a: Allocation): AllocationResult {
  if (a.status === 'assigned') return { assigneeId: a.assigneeId, ...(a.mentorId ? { mentorId: a.mentorId } : {}) };
  return { waitingFor: a.status === 'missing_skill' ? 'skill' : 'capacity' };
}

export interface ActivityDeps {
  db: Db;
  webhook?: Webhook | undefined;
  /** To tell request workflows of assignments made outside them (the dispatcher). */
  temporal?: Client | undefined;
}

export function createActivities({ db, webhook, temporal }: ActivityDeps) {
  /** Dispatches waiting tasks and signals each request; an assignment is marked told only after its signal. */
  async function dispatchAndTell(): Promise<number> {
    const made = await dispatchQueued(db);
    for (const d of made) {
      if (temporal) {
        try {
          await temporal.workflow
            .getHandle(requestWorkflowId(d.requestId))
            .signal(taskAssignedSignal, { taskId: d.taskId, assigneeId: d.assigneeId, ...(d.mentorId ? { mentorId: d.mentorId } : {}) });
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
          // The request has ended meanwhile: its task needs nobody.
          await release(db, d.requestId, [d.taskId]);
        }
      }
      await markNotified(db, d);
    }
    return made.length;
  }

  async function pickManager(clientId: string): Promise<string> {
      const client = await db('clients as c')
        .leftJoin('staff as s', 's.id', 'c.account_manager_id')
        .where('c.id', clientId)
        .first<{ account_manager_id: string | null; active: boolean | null } | undefined>('c.account_manager_id', 's.active');
      if (client?.account_manager_id && client.active) return client.account_manager_id;
      const row = await db('staff as s')
        .leftJoin('requests as r', function () {
          this.on('r.manager_id', 's.id').andOnNotIn('r.stage', ['Closed', 'Cancelled']);
        })
        .where({ 's.role': 'manager', 's.active': true })
        .groupBy('s.id')
        .orderByRaw('count(r.id) asc, s.created_at asc, s.id asc')
        .first<{ id: string } | undefined>('s.id');
      if (!row) throw new Error('no active manager on staff');
      return row.id;
  }

  return failOnData({
    /** R1 and the client's policies: the responsible manager, the time zone, auto-close. */
    async intakeContext({ clientId }: { clientId: string }): Promise<{ managerId: string; timeZone: string; autoCloseAfterDays?: number }> {
      return { managerId: await pickManager(clientId), ...(await subscriptionTerms(db, clientId)) };
    },

    /** R6, R8, R9: allocates the new tasks of a request, in order; each gets an assignee or waits. */
    async allocateTasks({ requestId, priority, tasks }: { requestId: string; priority: Priority; tasks: { taskId: string; skill: string; specialistId?: string | undefined; hours?: number }[] }): Promise<AllocationResult[]> {
      const out: AllocationResult[] = [];
      for (const t of tasks) {
        out.push(toResult(await allocate(db, { requestId, taskId: t.taskId, skill: t.skill, priority, ...(t.hours ? { hours: t.hours } : {}), ...(t.specialistId ? { specialistId: t.specialistId } : {}) })));
      }
      return out;
    },

    /** R7: the task goes to the next candidate, never back to one who declined it. */
    async declineTask({ requestId, taskId, skill, priority, specialistId }: { requestId: string; taskId: string; skill: string; priority: Priority; specialistId: string }): Promise<AllocationResult> {
      const result = toResult(await decline(db, { requestId, taskId, skill, priority }, specialistId));
      await dispatchAndTell();
      return result;
    },

    /** Finished or cancelled tasks give their hours back, and waiting tasks take them at once (R8). */
    async releaseTasks({ requestId, taskIds }: { requestId: string; taskIds: string[] }): Promise<number> {
      await release(db, requestId, taskIds);
      return dispatchAndTell();
    },

    /** Approved budgets replace the default size of a task in its assignee's load. */
    async updateTaskHours({ requestId, hours }: { requestId: string; hours: Record<string, number> }): Promise<void> {
      for (const [taskId, h] of Object.entries(hours)) {
        await db('task_assignments').where({ request_id: requestId, task_id: taskId }).update({ hours: h });
      }
    },

    /** R11: a new priority reorders the queue, and may let the task go first. */
    async reprioritize({ requestId, priority }: { requestId: string; priority: Priority }): Promise<number> {
      await db('task_assignments').where({ request_id: requestId }).update({ priority, priority_rank: priorityRank(priority) });
      return dispatchAndTell();
    },

    /** Assigns waiting tasks where there is room now and tells their requests; idempotent. */
    dispatchQueued: dispatchAndTell,

    /** R8, R12: the periodic workload review; dispatches first, so the report shows what still waits. */
    async reviewWorkload({ key }: { key?: string } = {}): Promise<WorkloadReport> {
      await dispatchAndTell();
      return reviewWorkload(db, new Date(), key);
    },

    /** R16: a named active specialist, or the least-loaded one with the skill who is not on the task yet. */
    async pickHelper({ specialistId, skill, exclude }: { specialistId?: string | undefined; skill: string; exclude: string[] }): Promise<string | null> {
      if (specialistId) {
        const row = await db('staff').where({ id: specialistId, role: 'specialist', active: true }).first<{ id: string } | undefined>('id');
        return row?.id ?? null;
      }
      return leastLoaded(db, skill, exclude);
    },

    /**
     * R14: hours left in the client's month, read from the hour ledger: the subscription's hours
     * (with any rollover), less what open requests hold and closed ones consumed.
     */
    async hoursLeft({ clientId, at }: { clientId: string; requestId: string; at: string }): Promise<number> {
      return hoursLeftAt(db, clientId, at);
    },

    /**
     * Upserts the read model by state version; events and time entries are keyed and inserted once.
     * Answers whether the notifications have a webhook to go to.
     */
    async projectRequest(input: ProjectionInput): Promise<{ deliver: boolean }> {
      const { state, events, timeEntries, notifications, escalations } = input.sanitize ? storable(input) : input;
      const now = new Date().toISOString();
      /** Timestamps as they are; on the sanitizing try, one PostgreSQL cannot hold is left out (or is now, where one is required). */
      const ts = <R extends string | null>(iso: string | undefined, required?: R) =>
        input.sanitize ? (storableTime(iso) ?? (required === undefined ? null : now)) : (iso ?? null);
      await db.transaction(async (trx) => {
        const row = {
          id: state.requestId,
          client_id: state.clientId,
          title: state.title,
          priority: state.priority,
          stage: state.stage,
          path: state.path,
          manager_id: state.managerId,
          version: state.version,
          estimate_total_hours: state.estimateTotalHours ?? null,
          state: JSON.stringify(state),
          created_at: ts(state.createdAt, 'required'),
          updated_at: ts(events.at(-1)?.at ?? state.createdAt, 'required'),
          closed_at: ts(state.closedAt),
          deadline_at: ts(state.deadlineAt),
          linked_from: state.linkedFrom ?? null,
        };
        const updated = await trx('requests')
          .insert(row)
          .onConflict('id')
          .merge()
          .where('requests.version', '<=', state.version)
          .returning('id');
        // `newest`: no later version is written yet. A late write of an earlier version (from a
        // workflow task that was replaced) still adds its records, but neither overwrites the
        // request and its tasks nor removes anything.
        const newest = updated.length > 0;
        if (newest && state.tasks.length > 0) {
          await trx('tasks')
            .insert(
              state.tasks.map((t) => ({
                request_id: state.requestId,
                task_id: t.id,
                title: t.title,
                skill: t.skill,
                assignee_id: t.assigneeId ?? null,
                status: t.status,
                priority: state.priority,
                estimate_hours: t.estimateHours ?? null,
                buffer_hours: t.bufferHours ?? null,
                approved_hours: t.approvedHours ?? null,
                rework_count: t.reworkCount,
                mentor_id: t.mentorId ?? null,
                helper_ids: t.helperIds,
                progress: t.progress,
                deadline_at: ts(t.deadlineAt),
                updated_at: row.updated_at,
              })),
            )
            .onConflict(['request_id', 'task_id'])
            .merge();
        }
        if (events.length > 0) {
          await trx('audit_events')
            .insert(
              events.map((e) => ({
                request_id: state.requestId,
                seq: e.seq,
                at: ts(e.at, 'required'),
                actor_id: e.actorId,
                actor_role: e.actorRole,
                type: e.type,
                detail: JSON.stringify(e.detail),
              })),
            )
            .onConflict(['request_id', 'seq'])
            .merge();
        }
        if (timeEntries.length > 0) {
          await trx('time_entries')
            .insert(
              timeEntries.map((e) => ({
                id: e.id,
                request_id: state.requestId,
                task_id: e.taskId ?? null,
                person_id: e.personId,
                role: e.role,
                minutes: e.minutes,
                category: e.category,
                billable: e.billable,
                billable_reason: e.billableReason,
                note: e.note,
                logged_at: ts(e.at, 'required'),
                revision: e.revision,
              })),
            )
            .onConflict('id')
            .merge()
            .where('time_entries.revision', '<=', trx.raw('excluded.revision'));
        }
        if (escalations.length > 0) {
          await trx('escalations')
            .insert(
              escalations.map((e) => ({
                id: `${state.requestId}:${e.id}`,
                request_id: state.requestId,
                kind: e.kind,
                owner_role: e.ownerRole,
                owner_id: e.ownerId ?? null,
                task_id: e.taskId ?? null,
                cause: e.cause,
                raised_at: ts(e.at, 'required'),
              })),
            )
            .onConflict('id')
            .merge(['kind', 'owner_role', 'owner_id', 'task_id', 'cause', 'raised_at']);
        }
        // Rows past the workflow's counters were written by a workflow task that was then discarded:
        // the workflow never made them. Same-numbered rows were overwritten above (the latest wins).
        const counters = state.counters as RequestState['counters'] | undefined;
        if (counters && newest) {
          await trx('audit_events').where({ request_id: state.requestId }).where('seq', '>', counters.events).delete();
          const beyond = (table: string, pattern: string, n: number) =>
            trx(table).where({ request_id: state.requestId }).whereRaw(`id ~ ? and (substring(id from ?))::bigint > ?`, [`${pattern}[0-9]+$`, `${pattern}([0-9]+)$`, n]).delete();
          await beyond('time_entries', ':te:', counters.timeEntries);
          await beyond('notifications', ':N', counters.notifications);
          await beyond('escalations', ':E', counters.escalations);
        }
        if (state.stage === 'Closed' || state.stage === 'Cancelled') {
          // Escalations end with their request: a blocker on a closed request is nobody's to act on.
          await trx('escalations').where({ request_id: state.requestId }).whereNull('resolved_at').update({ resolved_at: ts(state.closedAt, 'required') });
        }
        if (notifications.length > 0) {
          await trx('notifications')
            .insert(
              notifications.map((n) => ({
                id: `${state.requestId}:${n.id}`,
                request_id: state.requestId,
                client_id: state.clientId,
                recipient_role: n.recipientRole,
                recipient_id: n.recipientId ?? null,
                kind: n.kind,
                text: n.text,
                created_at: ts(n.at, 'required'),
              })),
            )
            .onConflict('id')
            .merge(['recipient_role', 'recipient_id', 'kind', 'text', 'created_at']);
        }
      });
      return { deliver: notifications.length > 0 && webhook !== undefined };
    },

    /**
     * Delivers notifications to the webhook, signed, each at most once successfully: a delivered
     * one is skipped on retry. Receivers deduplicate by `Webhook-Id` for the rare resend after a
     * crash between delivery and bookkeeping. Without a webhook configured, the inbox is the channel.
     */
    async deliverNotifications({ requestId, ids }: { requestId: string; ids: string[] }): Promise<number> {
      if (!webhook) return 0;
      const rows = (await db('notifications')
        .whereIn('id', ids.map((id) => `${requestId}:${id}`))
        .whereNull('delivered_at')
        .orderBy('created_at')) as { id: string; request_id: string; client_id: string; recipient_role: string; recipient_id: string | null; kind: string; text: string; created_at: Date }[];
      for (const n of rows) {
        await db('notifications').where({ id: n.id }).increment('delivery_attempts', 1);
        const body = JSON.stringify({
          id: n.id,
          requestId: n.request_id,
          clientId: n.client_id,
          recipientRole: n.recipient_role,
          recipientId: n.recipient_id,
          kind: n.kind,
          text: n.text,
          createdAt: n.created_at.toISOString(),
        });
        const timestamp = String(Math.floor(Date.now() / 1000));
        const res = await fetch(webhook.url, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'Webhook-Id': n.id,
            'Webhook-Timestamp': timestamp,
            'Webhook-Signature': signWebhook(webhook.secret, n.id, timestamp, body),
          },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        if (!res.ok) throw new Error(`webhook answered ${res.status} for ${n.id}`);
        await db('notifications').where({ id: n.id }).update({ delivered_at: db.fn.now() });
      }
      return rows.length;
    },

    /** R24: approved hours are held against the client's month. */
    async reserveHours(r: { requestId: string; clientId: string; key: string; hours: number; at: string }): Promise<void> {
      await reserve(db, r);
    },

    /**
     * R24, R25: held hours released, billable hours written off, once each. The bill is worked out
     * from the request's time entries in PostgreSQL and its tasks' budgets (workflows from before
     * bounded state send it ready-made).
     */
    async settle(r: { requestId: string; clientId: string; at: string } & ({ hours: number; detail: RequestBilling } | { tasks: Task[] })): Promise<void> {
      const detail = 'detail' in r ? r.detail : billingOf({ tasks: r.tasks, timeEntries: await timeEntriesOf(db, r.requestId) });
      // The breakdown is a report drawn from the state: text PostgreSQL cannot hold never stops the write-off.
      await settle(db, { requestId: r.requestId, clientId: r.clientId, at: r.at, hours: detail.billableHours, detail: storable(detail) });
    },

    /** A time entry as the read model holds it (a correction of one the state no longer keeps). */
    async timeEntryOf({ requestId, entryId }: { requestId: string; entryId: string }): Promise<TimeEntry | null> {
      return timeEntry(db, requestId, entryId);
    },

    /** The daily billing run: months that ended are closed with their statements; under-use is flagged (R12, R24). */
    async monthlyRollover({ underuseCheckDay }: { underuseCheckDay: number }) {
      const closed = await closePeriods(db);
      const underused = await underuseForecast(db, underuseCheckDay);
      return { closed, underused };
    },

    /**
     * PostgreSQL refused a request's data (`reason`): the request is flagged in the read model, and
     * its manager and the head get an escalation, once per version. Writes only text of its own.
     */
    async flagDataFailure({ requestId, clientId, managerId, version, reason, at }: { requestId: string; clientId: string; managerId: string; version: number; reason: string; at: string }): Promise<void> {
      const cause = storable(`the request's data could not be saved (version ${version}): ${reason}`).slice(0, 1000);
      await db.transaction(async (trx) => {
        await trx('requests').where({ id: requestId }).update({ attention_reason: cause, attention_since: trx.raw('coalesce(attention_since, ?)', [at]) });
        await trx('escalations')
          .insert({ id: `${requestId}:data:v${version}`, request_id: requestId, kind: 'data_rejected', owner_role: 'manager', owner_id: managerId, cause, raised_at: at })
          .onConflict('id')
          .ignore();
        await trx('notifications')
          .insert([
            { id: `${requestId}:data:v${version}:manager`, request_id: requestId, client_id: clientId, recipient_role: 'manager', recipient_id: managerId, kind: 'escalation.data_rejected', text: cause, created_at: at },
            { id: `${requestId}:data:v${version}:head`, request_id: requestId, client_id: clientId, recipient_role: 'head', recipient_id: null, kind: 'escalation.data_rejected', text: cause, created_at: at },
          ])
          .onConflict('id')
          .ignore();
      });
    },

    /**
     * Requests whose workflow ended without closing (terminated by an operator, failed) hold
     * nobody's hours any more: their assignments and reservations are released, the read model
     * says so, and their manager gets an escalation. Run with the workload review; idempotent.
     */
    async reconcileEndedRequests(): Promise<number> {
      if (!temporal) return 0;
      let done = 0;
      const query = "WorkflowType = 'requestWorkflow' AND (ExecutionStatus = 'Terminated' OR ExecutionStatus = 'Failed' OR ExecutionStatus = 'TimedOut')";
      for await (const wf of temporal.workflow.list({ query })) {
        const requestId = requestIdFromWorkflowId(wf.workflowId);
        if (!requestId) continue;
        const row = await db('requests').where({ id: requestId }).first<{ stage: string; client_id: string; manager_id: string; attention_reason: string | null } | undefined>('stage', 'client_id', 'manager_id', 'attention_reason');
        if (!row || row.stage === 'Closed' || row.stage === 'Cancelled' || row.attention_reason?.startsWith('ended:')) continue;
        // Only when that run is the request's last (a reset may have started another).
        if ((await temporal.workflow.getHandle(wf.workflowId).describe()).runId !== wf.runId) continue;
        const status = wf.status.name.toLowerCase().replace('_', ' ');
        const cause = `ended: the request's workflow was ${status} before the request closed; its assignments and held hours are released. Open a new request or restart it.`;
        await db.transaction(async (trx) => {
          await trx('task_assignments').where({ request_id: requestId }).whereNot('status', 'released').update({ status: 'released' });
          await releaseHeld(trx, { requestId, clientId: row.client_id });
          await trx('requests').where({ id: requestId }).update({ attention_reason: cause, attention_since: trx.fn.now() });
          await trx('escalations')
            .insert({ id: `${requestId}:ended`, request_id: requestId, kind: 'workflow_ended', owner_role: 'manager', owner_id: row.manager_id, cause, raised_at: trx.fn.now() })
            .onConflict('id')
            .ignore();
          await trx('notifications')
            .insert({ id: `${requestId}:ended`, request_id: requestId, client_id: row.client_id, recipient_role: 'manager', recipient_id: row.manager_id, kind: 'escalation.workflow_ended', text: cause, created_at: trx.fn.now() })
            .onConflict('id')
            .ignore();
        });
        done++;
      }
      if (done > 0) await dispatchAndTell();
      return done;
    },

    /** The request's data is saved again: the flag comes off. */
    async clearDataFailure({ requestId }: { requestId: string }): Promise<void> {
      await db('requests').where({ id: requestId }).update({ attention_reason: null, attention_since: null });
    },
  });
}

export type Activities = ReturnType<typeof createActivities>;
