// All I/O of the request workflow. Every activity is idempotent: a retry after a crash writes
// nothing twice (keys by request id + a stable business key, upserts gated by state version).
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { AllocationResult, Priority, TimeEntry } from '../domain';
import { timeEntry } from '../stores/time-entries';
import { activeSpecialist } from '../stores/people';
import { intakeTerms } from '../stores/intake';
import { endedCandidate, flagRequest, releaseEnded, unflagRequest, type Projection } from '../stores/projection';
import type { Db } from '../db/knex';
import { DATA_REJECTED, requestIdFromWorkflowId, type IntakeTerms, type RequestWrite } from '../shared/contract';
import { closePeriods, hoursLeftAt, reserve, underuseForecast } from '../stores/ledger';
import { allocate, decline, leastLoaded, release, reviewWorkload, type Allocation, type WorkloadReport } from '../stores/allocation';
import { setPriority, setTaskHours } from '../stores/allocation';
import { allocateRequestKey } from '../stores/request-keys';
import { requestIdOfRef } from '../stores/requests';
import { createMailActivities, type MailConfig } from './mail';
import { deliverDue, type Webhook } from './webhook';
import { dispatchAndTell } from '../temporal/ledgers';
import { isDataError, refusal, settleRequest, writeRequest as writeTurn } from '../temporal/write-request';

export { isDataError } from '../temporal/write-request';

/** A state version and its records on their way to the read model. */
export type ProjectionInput = Projection;

export { signWebhook, type Webhook } from './webhook';

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
          throw ApplicationFailure.create({ type: DATA_REJECTED, nonRetryable: true, message: refusal(err) });
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
  /** The mail channel; unset: no mail is read or sent. */
  mail?: MailConfig | undefined;
  /** Where requests filed by mail run. */
  taskQueue?: string | undefined;
}

/** No mailbox and no mail server: the mail activities do nothing. */
const NO_MAIL: MailConfig = { from: 'support@localhost', publicUrl: 'http://localhost', maxMessageBytes: 0, maxFileBytes: 0 };

export function createActivities({ db, webhook, temporal, mail, taskQueue }: ActivityDeps) {
  const dispatch = () => dispatchAndTell(db, temporal);

  /** One turn of a request's loop; answers whether the notifications have a webhook to go to, and whether there is one. */
  async function writeRequest(w: RequestWrite): Promise<{ deliver: boolean; webhook: boolean }> {
    await writeTurn(db, temporal, w);
    const notifications = w.projection?.notifications.length ?? 0;
    return { deliver: notifications > 0 && webhook !== undefined, webhook: webhook !== undefined };
  }

  return failOnData({
    ...createMailActivities({ db, temporal, taskQueue, mail: mail ?? NO_MAIL }),
    /** The key of a request opened by another (R20): given once, the same on a retry. */
    async allocateRequestKey({ clientId, requestId }: { clientId: string; requestId: string }): Promise<string> {
      return allocateRequestKey(db, clientId, requestId);
    },

    /** R1 and the client's policies: the responsible manager, the time zone, auto-close. */
    async intakeContext({ clientId }: { clientId: string }): Promise<IntakeTerms> {
      return intakeTerms(db, clientId);
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
      await dispatch();
      return result;
    },

    /** Finished or cancelled tasks give their hours back, and waiting tasks take them at once (R8). */
    async releaseTasks({ requestId, taskIds }: { requestId: string; taskIds: string[] }): Promise<number> {
      await release(db, requestId, taskIds);
      return dispatch();
    },

    /** Approved budgets replace the default size of a task in its assignee's load. */
    async updateTaskHours({ requestId, hours }: { requestId: string; hours: Record<string, number> }): Promise<void> {
      await setTaskHours(db, requestId, hours);
    },

    /** R11: a new priority reorders the queue, and may let the task go first. */
    async reprioritize({ requestId, priority }: { requestId: string; priority: Priority }): Promise<number> {
      await setPriority(db, requestId, priority);
      return dispatch();
    },

    /** Assigns waiting tasks where there is room now and tells their requests; idempotent. */
    dispatchQueued: dispatch,

    /** R8, R12: the periodic workload review; dispatches first, so the report shows what still waits. */
    async reviewWorkload({ key }: { key?: string } = {}): Promise<WorkloadReport> {
      await dispatch();
      return reviewWorkload(db, new Date(), key);
    },

    /** R16: a named active specialist, or the least-loaded one with the skill who is not on the task yet. */
    async pickHelper({ specialistId, skill, exclude }: { specialistId?: string | undefined; skill: string; exclude: string[] }): Promise<string | null> {
      if (specialistId) return activeSpecialist(db, specialistId);
      return leastLoaded(db, skill, exclude);
    },

    /**
     * R14: hours left in the client's month, read from the hour ledger: the subscription's hours
     * (with any rollover), less what open requests hold and closed ones consumed.
     */
    async hoursLeft({ clientId, at }: { clientId: string; requestId: string; at: string }): Promise<number> {
      return hoursLeftAt(db, clientId, at);
    },

    /** The projection alone, as requests from before one activity per turn ask for it. */
    async projectRequest(input: ProjectionInput): Promise<{ deliver: boolean; webhook: boolean }> {
      return writeRequest({ requestId: input.state.requestId, clientId: input.state.clientId, projection: input });
    },

    writeRequest,

    /**
     * Delivers these notifications to the webhook, as requests from before the outbox ask for it
     * (the worker's courier delivers every other, and these too if this one fails).
     */
    async deliverNotifications({ requestId, ids }: { requestId: string; ids: string[] }): Promise<number> {
      if (!webhook) return 0;
      const { claimed, failed } = await deliverDue(db, webhook, ids.map((id) => `${requestId}:${id}`));
      return claimed - failed.length;
    },

    /** R24: approved hours are held against the client's month. */
    async reserveHours(r: { requestId: string; clientId: string; key: string; hours: number; at: string }): Promise<void> {
      await reserve(db, r);
    },

    /** The write-off on its own (requests from before it went with the last projection). */
    settle: (r: Parameters<typeof settleRequest>[1]) => settleRequest(db, r),

    /** A time entry as the read model holds it (a correction of one the state no longer keeps). */
    async timeEntryOf({ requestId, entryId }: { requestId: string; entryId: string }): Promise<TimeEntry | null> {
      return timeEntry(db, requestId, entryId);
    },

    /** The daily billing run: months that ended are closed with their statements; under-use is flagged (R12, R24). */
    async monthlyRollover(_args: Record<string, never> | { underuseCheckDay?: number }) {
      const closed = await closePeriods(db);
      const underused = await underuseForecast(db);
      return { closed, underused };
    },

    /**
     * PostgreSQL refused a request's data (`reason`): the request is flagged in the read model, and
     * its manager and the head get an escalation, once per version. Writes only text of its own.
     */
    async flagDataFailure({ requestId, clientId, managerId, version, reason, at }: { requestId: string; clientId: string; managerId: string; version: number; reason: string; at: string }): Promise<void> {
      await flagRequest(db, { requestId, clientId, managerId, version, reason, at });
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
        const ref = requestIdFromWorkflowId(wf.workflowId);
        const requestId = ref === undefined ? undefined : await requestIdOfRef(db, ref);
        if (!requestId) continue;
        const row = await endedCandidate(db, requestId);
        if (!row) continue;
        // Only when that run is the request's last (a reset may have started another).
        if ((await temporal.workflow.getHandle(wf.workflowId).describe()).runId !== wf.runId) continue;
        const status = wf.status.name.toLowerCase().replace('_', ' ');
        const cause = `ended: the request's workflow was ${status} before the request closed; its assignments and held hours are released. Open a new request or restart it.`;
        await releaseEnded(db, { requestId, clientId: row.client_id, managerId: row.manager_id, cause });
        done++;
      }
      if (done > 0) await dispatch();
      return done;
    },

    /** The request's data is saved again: the flag comes off. */
    async clearDataFailure({ requestId }: { requestId: string }): Promise<void> {
      await unflagRequest(db, requestId);
    },
  });
}

export type Activities = ReturnType<typeof createActivities>;
