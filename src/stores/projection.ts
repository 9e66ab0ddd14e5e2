// The request read model as the workflow writes it: the projection of a state version, the flag
// on a request whose data PostgreSQL refused, and the release of a request whose workflow ended
// without closing. Written by the request's activities, and by the API with an Update's answer.
import type { Db } from '../db/knex';
import { TERMINAL_STAGES, type RequestState } from '../domain';
import type { Projection } from '../shared/contract';
import { storable } from '../shared/text';
import { releaseHeld } from './ledger';

export type { Projection };

/** A timestamp PostgreSQL accepts (years 1–9999), else null. */
function storableTime(iso: string | undefined | null): string | null {
  if (iso === undefined || iso === null) return null;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return null;
  const year = new Date(t).getUTCFullYear();
  return year >= 1 && year <= 9999 ? iso : null;
}

/**
 * Upserts the read model by state version, and the records by their numbers (the latest write
 * wins); rows past the workflow's counters are removed. A late write of an earlier version adds
 * its records but neither overwrites the request nor removes anything. One call to PostgreSQL's
 * `project_request` (one round trip, atomic): the rows are built here, the upserts run there.
 * Answers whether this was the newest version written so far.
 *
 * `prune: false` leaves rows past the counters alone: an Update's answer comes from a workflow
 * task that completed, so it never carries rows of a replaced one, and looking for them reads
 * all of the request's time entries (the workflow's own writes still prune).
 */
export async function writeProjection(db: Db, input: Projection, { prune = true }: { prune?: boolean } = {}): Promise<boolean> {
  const { state, events, timeEntries, notifications, escalations } = input.sanitize ? storable(input) : input;
  const now = new Date().toISOString();
  /** Timestamps as they are; on the sanitizing try, one PostgreSQL cannot hold is left out (or is now, where one is required). */
  const ts = <R extends string | null>(iso: string | undefined, required?: R) =>
    input.sanitize ? (storableTime(iso) ?? (required === undefined ? null : now)) : (iso ?? null);
  const updatedAt = ts(events.at(-1)?.at ?? state.createdAt, 'required');
  const terminal = state.stage === 'Closed' || state.stage === 'Cancelled';
  const payload = {
    row: {
      id: state.requestId,
      key: state.key ?? null,
      client_id: state.clientId,
      title: state.title,
      description: state.description,
      priority: state.priority,
      stage: state.stage,
      path: state.path,
      manager_id: state.managerId,
      version: state.version,
      estimate_total_hours: state.estimateTotalHours ?? null,
      state,
      created_at: ts(state.createdAt, 'required'),
      updated_at: updatedAt,
      closed_at: ts(state.closedAt),
      deadline_at: ts(state.deadlineAt),
      triage_due_at: state.stage === 'Triage' ? ts(state.triageDueAt) : null,
      linked_from: state.linkedFrom ?? null,
    },
    tasks: state.tasks.map((t) => ({
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
      updated_at: updatedAt,
    })),
    events: events.map((e) => ({
      request_id: state.requestId,
      seq: e.seq,
      at: ts(e.at, 'required'),
      actor_id: e.actorId,
      actor_role: e.actorRole,
      type: e.type,
      detail: e.detail,
    })),
    timeEntries: timeEntries.map((e) => ({
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
    escalations: escalations.map((e) => ({
      id: `${state.requestId}:${e.id}`,
      request_id: state.requestId,
      kind: e.kind,
      owner_role: e.ownerRole,
      owner_id: e.ownerId ?? null,
      task_id: e.taskId ?? null,
      cause: e.cause,
      raised_at: ts(e.at, 'required'),
    })),
    notifications: notifications.map((n) => ({
      id: `${state.requestId}:${n.id}`,
      request_id: state.requestId,
      client_id: state.clientId,
      recipient_role: n.recipientRole,
      recipient_id: n.recipientId ?? null,
      kind: n.kind,
      text: n.text,
      created_at: ts(n.at, 'required'),
    })),
    // Older states have no counters: nothing is removed for them.
    counters: prune ? ((state.counters as RequestState['counters'] | undefined) ?? null) : null,
    resolvedAt: terminal ? ts(state.closedAt, 'required') : null,
  };
  const result = await db.raw<{ rows: { newest: boolean }[] }>('select project_request(?::jsonb) as newest', [JSON.stringify(payload)]);
  return result.rows[0]?.newest === true;
}

/** A notification's text, led by the request's key as every notification is (`ACME-42 · …`). */
async function keyed(trx: Db, requestId: string, text: string): Promise<string> {
  const row = await trx('request_keys').where({ request_id: requestId }).first<{ key: string } | undefined>('key');
  return row ? `${row.key} · ${text}` : text;
}

/** PostgreSQL refused the request's data: the request is flagged, its manager and the head escalated to, once per version. */
export async function flagRequest(db: Db, f: { requestId: string; clientId: string; managerId: string; version: number; reason: string; at: string }): Promise<void> {
  const { requestId, clientId, managerId, version, reason, at } = f;
  const cause = storable(`the request's data could not be saved (version ${version}): ${reason}`).slice(0, 1000);
  await db.transaction(async (trx) => {
    const text = await keyed(trx, requestId, cause);
    await trx('requests').where({ id: requestId }).update({ attention_reason: cause, attention_since: trx.raw('coalesce(attention_since, ?)', [at]) });
    await trx('escalations')
      .insert({ id: `${requestId}:data:v${version}`, request_id: requestId, kind: 'data_rejected', owner_role: 'manager', owner_id: managerId, cause, raised_at: at })
      .onConflict('id')
      .ignore();
    await trx('notifications')
      .insert([
        { id: `${requestId}:data:v${version}:manager`, request_id: requestId, client_id: clientId, recipient_role: 'manager', recipient_id: managerId, kind: 'escalation.data_rejected', text, created_at: at },
        { id: `${requestId}:data:v${version}:head`, request_id: requestId, client_id: clientId, recipient_role: 'head', recipient_id: null, kind: 'escalation.data_rejected', text, created_at: at },
      ])
      .onConflict('id')
      .ignore();
  });
}

export async function unflagRequest(db: Db, requestId: string): Promise<void> {
  await db('requests').where({ id: requestId }).update({ attention_reason: null, attention_since: null });
}

/** A request the read model still has open and not yet released as ended. */
export async function endedCandidate(db: Db, requestId: string): Promise<{ client_id: string; manager_id: string } | undefined> {
  const row = await db('requests').where({ id: requestId }).first<{ stage: string; client_id: string; manager_id: string; attention_reason: string | null } | undefined>('stage', 'client_id', 'manager_id', 'attention_reason');
  if (!row || row.stage === 'Closed' || row.stage === 'Cancelled' || row.attention_reason?.startsWith('ended:')) return undefined;
  return row;
}

/** A request whose workflow ended without closing: its assignments and held hours released, flagged, its manager told. */
export async function releaseEnded(db: Db, r: { requestId: string; clientId: string; managerId: string; cause: string }): Promise<void> {
  const { requestId, cause } = r;
  await db.transaction(async (trx) => {
    await trx('task_assignments').where({ request_id: requestId }).whereNot('status', 'released').update({ status: 'released' });
    await releaseHeld(trx, { requestId, clientId: r.clientId });
    await trx('requests').where({ id: requestId }).update({ attention_reason: cause, attention_since: trx.fn.now() });
    await trx('escalations')
      .insert({ id: `${requestId}:ended`, request_id: requestId, kind: 'workflow_ended', owner_role: 'manager', owner_id: r.managerId, cause, raised_at: trx.fn.now() })
      .onConflict('id')
      .ignore();
    await trx('notifications')
      .insert({ id: `${requestId}:ended`, request_id: requestId, client_id: r.clientId, recipient_role: 'manager', recipient_id: r.managerId, kind: 'escalation.workflow_ended', text: await keyed(trx, requestId, cause), created_at: trx.fn.now() })
      .onConflict('id')
      .ignore();
  });
}

/**
 * Of these workflow refs (a request's key, or its id for one filed before keys), those whose
 * request the read model does not hold as ended — not closed or cancelled, or not written off
 * (a last write cut short after its projection): the worker's sweep looks at their workflows'
 * results for a last write nobody finished.
 */
export async function refsNotEnded(db: Db, refs: string[]): Promise<string[]> {
  if (refs.length === 0) return [];
  const result = await db.raw<{ rows: { ref: string }[] }>(
    `select r.ref from unnest(?::text[]) as r(ref)
       left join request_keys k on k.key = r.ref
       left join requests q on q.id = coalesce(k.request_id, case when r.ref ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then r.ref::uuid end)
      where q.stage is null or not (q.stage = any(?::text[]))
         or not exists (select 1 from hour_ledger l where l.key = 'writeoff:' || q.id)`,
    [refs, [...TERMINAL_STAGES]],
  );
  return result.rows.map((r) => r.ref);
}
