// All I/O of the request workflow. Every activity is idempotent: a retry after a crash writes
// nothing twice (keys by request id + a stable business key, upserts gated by state version).
import type { AuditEvent, Priority, RequestState, TimeEntry } from '../domain';
import { monthOf } from '../domain';
import type { Db } from '../db/knex';


export interface ProjectionInput {
  /** The request's state without its event and time-entry lists, which travel separately. */
  state: RequestState;
  events: AuditEvent[];
  timeEntries: TimeEntry[];
}

/** Before an estimate exists a task counts with this many hours of load. */
export const DEFAULT_TASK_HOURS = 4;

export function createActivities({ db }: { db: Db }) {
  return {
    /** R1: the client's account manager, else the manager with the fewest open requests. */
    async pickManager({ clientId }: { clientId: string }): Promise<string> {
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
    },

    /** R6 (first cut): the active specialist with the skill and the lowest load in hours per capacity. */
    async pickAssignee({ skill }: { requestId: string; skill: string; priority: Priority }): Promise<string | null> {
      const row = await db('staff as s')
        .leftJoin('tasks as t', function () {
          this.on('t.assignee_id', 's.id').andOnNotIn('t.status', ['done']);
        })
        .where({ 's.role': 'specialist', 's.active': true })
        .whereRaw('? = any(s.skills)', [skill])
        .groupBy('s.id')
        .orderByRaw(
          `coalesce(sum(coalesce(t.approved_hours, t.estimate_hours + t.buffer_hours, ?)), 0) / greatest(s.weekly_capacity_hours, 1) asc, s.created_at asc, s.id asc`,
          [DEFAULT_TASK_HOURS],
        )
        .first<{ id: string } | undefined>('s.id');
      return row?.id ?? null;
    },

    /** Upserts the read model by state version; events and time entries are keyed and inserted once. */
    async projectRequest({ state, events, timeEntries }: ProjectionInput): Promise<void> {
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
          created_at: state.createdAt,
          updated_at: events.at(-1)?.at ?? state.createdAt,
          closed_at: state.closedAt ?? null,
        };
        const updated = await trx('requests')
          .insert(row)
          .onConflict('id')
          .merge()
          .where('requests.version', '<', state.version)
          .returning('id');
        if (updated.length > 0 && state.tasks.length > 0) {
          await trx('tasks')
            .insert(
              state.tasks.map((t) => ({
                request_id: state.requestId,
                task_id: t.id,
                title: t.title,
                skill: t.skill,
                assignee_id: t.assigneeId,
                status: t.status,
                priority: state.priority,
                estimate_hours: t.estimateHours ?? null,
                buffer_hours: t.bufferHours ?? null,
                approved_hours: t.approvedHours ?? null,
                rework_count: t.reworkCount,
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
                at: e.at,
                actor_id: e.actorId,
                actor_role: e.actorRole,
                type: e.type,
                detail: JSON.stringify(e.detail),
              })),
            )
            .onConflict(['request_id', 'seq'])
            .ignore();
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
                logged_at: e.at,
              })),
            )
            .onConflict('id')
            .ignore();
        }
      });
    },

    /** R24: the request's billable hours leave the client's month once, keyed by the request. */
    async writeOff({ requestId, clientId, hours, at }: { requestId: string; clientId: string; hours: number; at: string }) {
      const sub = await db('subscriptions')
        .where({ client_id: clientId })
        .orderBy('starts_on', 'desc')
        .first<{ timezone: string } | undefined>('timezone');
      await db('hour_ledger')
        .insert({
          key: `writeoff:${requestId}`,
          client_id: clientId,
          request_id: requestId,
          period: monthOf(at, sub?.timezone ?? 'UTC'),
          kind: 'writeoff',
          hours,
        })
        .onConflict('key')
        .ignore();
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
