// Assignment across requests (R6–R9, R11): one PostgreSQL transaction reads the candidates with
// the skill and their load (kept on their staff rows by a trigger on the allocation ledger,
// task_assignments), locks the one chosen, checks again, and reserves their hours, so concurrent
// workflows never overbook anybody.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { rowsOf, type Db } from '../db/knex';
import { DEFAULT_TASK_HOURS, SENIORITY_FIT, chooseSpecialist, fits, loadOf, priorityRank, type Candidate, type Priority, type Seniority } from '../domain';

export type Allocation =
  | { status: 'assigned'; assigneeId: string; mentorId?: string; overCapacity: boolean }
  | { status: 'queued' | 'missing_skill' };

export interface TaskToAllocate {
  requestId: string;
  taskId: string;
  skill: string;
  priority: Priority;
  hours?: number;
  /** The manager's or head's choice: assigned even over capacity, if they have the skill. */
  specialistId?: string;
}

interface AssignmentRow {
  request_id: string;
  task_id: string;
  skill: string;
  priority: Priority;
  hours: number;
  status: 'queued' | 'missing_skill' | 'assigned' | 'released';
  assignee_id: string | null;
  declined_by: string[];
  queued_at: Date;
}

/** What narrows the candidates: one person, or those with room for `hours`, best first, at most `limit`. */
interface CandidateQuery {
  only?: string;
  best?: { hours: number; priority: Priority; exclude: string[]; limit: number };
}

/**
 * The active specialists with the skill, with their load as the allocation ledger's trigger keeps
 * it on their staff row (migration 20261127040000_load) and whether they are away today.
 * With `best`: only those with room (the domain's `fits`), in the domain's order of choice
 * (`chooseSpecialist`: load per hour of capacity, seniority fit, longest wait, id), so a decision
 * reads a few rows however large the staff. A test checks the two orders agree.
 */
export async function candidates(
  trx: Db | Knex.Transaction,
  skill: string,
  today: string,
  narrow: CandidateQuery = {},
): Promise<(Candidate & { mentorId: string | null })[]> {
  const absent = absentSql('staff.id');
  let query = trx('staff')
    .where({ role: 'specialist', active: true })
    // `@>` can use the GIN index on skills; `= any(skills)` cannot.
    .whereRaw('skills @> array[?]::text[]', [skill])
    .select(
      'id',
      'seniority',
      'weekly_capacity_hours',
      'mentor_id',
      'last_assigned_at',
      'load_hours',
      'weighted_load_hours',
      trx.raw(`${absent} as absent`, [today, today]),
    );
  if (narrow.only) query = query.where('id', narrow.only);
  const best = narrow.best;
  if (best) {
    query = query
      .whereRaw(`not ${absent}`, [today, today])
      .where('weekly_capacity_hours', '>', 0)
      .where((w) => w.where('load_hours', 0).orWhereRaw('load_hours + ? <= weekly_capacity_hours', [best.hours]))
      .whereNotIn('id', best.exclude)
      .orderByRaw('weighted_load_hours / greatest(weekly_capacity_hours, 1), array_position(?::text[], seniority), last_assigned_at asc nulls first, id', [
        [...SENIORITY_FIT[best.priority]],
      ])
      .limit(best.limit);
  }
  const staff = await rowsOf<{
    id: string;
    seniority: Seniority;
    weekly_capacity_hours: number;
    mentor_id: string | null;
    last_assigned_at: Date | null;
    load_hours: number;
    weighted_load_hours: number;
    absent: boolean;
  }[]>(query);
  return staff.map((s) => ({
    id: s.id,
    seniority: s.seniority,
    weeklyCapacityHours: Number(s.weekly_capacity_hours),
    loadHours: Number(s.load_hours),
    weightedLoadHours: Number(s.weighted_load_hours),
    lastAssignedAt: s.last_assigned_at?.toISOString() ?? null,
    absent: s.absent,
    mentorId: s.mentor_id,
  }));
}

/** The specialist chosen had no room left once locked (or is no longer active). */
class NoRoom extends Error {}

/** Locks one specialist's row and reads their load as it is now (after whoever held the lock committed). */
async function lockLoad(trx: Knex.Transaction, id: string): Promise<{ loadHours: number; weightedLoadHours: number } | undefined> {
  const row = await trx('staff')
    .where({ id, role: 'specialist', active: true })
    .forUpdate()
    .first<{ load_hours: number; weighted_load_hours: number } | undefined>('load_hours', 'weighted_load_hours');
  return row && { loadHours: Number(row.load_hours), weightedLoadHours: Number(row.weighted_load_hours) };
}

/** Allocates one task inside the caller's transaction. Idempotent: an assigned task stays with its assignee. */
export async function allocateIn(trx: Knex.Transaction, task: TaskToAllocate, now = new Date()): Promise<Allocation> {
  const existing = (await trx('task_assignments').where({ request_id: task.requestId, task_id: task.taskId }).forUpdate().first()) as
    | AssignmentRow
    | undefined;
  const today = now.toISOString().slice(0, 10);
  if (existing?.status === 'assigned' && existing.assignee_id && task.specialistId === undefined) {
    const [holder] = await candidates(trx, task.skill, today, { only: existing.assignee_id });
    return { status: 'assigned', assigneeId: existing.assignee_id, ...(holder?.seniority === 'junior' && holder.mentorId ? { mentorId: holder.mentorId } : {}), overCapacity: false };
  }
  const hours = task.hours ?? (existing ? Number(existing.hours) : DEFAULT_TASK_HOURS);
  const declined = existing?.declined_by ?? [];
  const base = {
    request_id: task.requestId,
    task_id: task.taskId,
    skill: task.skill,
    priority: task.priority,
    priority_rank: priorityRank(task.priority),
    hours,
    queued_at: existing?.queued_at ?? now,
  };
  const save = (row: Record<string, unknown>) =>
    trx('task_assignments').insert({ ...base, ...row }).onConflict(['request_id', 'task_id']).merge();

  let chosen: Candidate & { mentorId: string | null };
  let overCapacity = false;
  if (task.specialistId !== undefined) {
    const [named] = await candidates(trx, task.skill, today, { only: task.specialistId });
    const fresh = named && (await lockLoad(trx, named.id));
    if (!named || !fresh) return { status: 'missing_skill' };
    chosen = named;
    overCapacity = fresh.loadHours + hours > chosen.weeklyCapacityHours;
  } else {
    // The best few with room, as read; then lock the one chosen and check again: another
    // transaction may have given them work meanwhile. Nobody is ever booked beyond what the
    // locked row shows. A lock taken for nothing is given back (savepoint rollback) before the
    // next try, so no transaction waits for a row while holding another: no deadlock.
    const passedOver = [...declined];
    for (;;) {
      const pick = chooseSpecialist(await candidates(trx, task.skill, today, { best: { hours, priority: task.priority, exclude: passedOver, limit: 8 } }), hours, task.priority) as
        | (Candidate & { mentorId: string | null })
        | undefined;
      if (!pick) {
        const anyone = (await candidates(trx, task.skill, today)).length > 0;
        await save({ status: anyone ? 'queued' : 'missing_skill', assignee_id: null });
        return { status: anyone ? 'queued' : 'missing_skill' };
      }
      try {
        await trx.transaction(async (sp) => {
          const fresh = await lockLoad(sp, pick.id);
          if (!fresh || !fits({ ...pick, ...fresh }, hours)) throw new NoRoom();
        });
        chosen = pick;
        break;
      } catch (err) {
        if (!(err instanceof NoRoom)) throw err;
        passedOver.push(pick.id);
      }
    }
  }
  await save({ status: 'assigned', assignee_id: chosen.id, assigned_at: now, over_capacity: overCapacity, notified_at: now });
  await trx('staff').where({ id: chosen.id }).update({ last_assigned_at: now });
  return {
    status: 'assigned',
    assigneeId: chosen.id,
    ...(chosen.seniority === 'junior' && chosen.mentorId ? { mentorId: chosen.mentorId } : {}),
    overCapacity,
  };
}

/** R16: the least-loaded specialist with the skill, among those not excluded (a helper reserves nothing). */
export async function leastLoaded(db: Db, skill: string, exclude: string[], now = new Date()): Promise<string | null> {
  const pool = (await candidates(db, skill, now.toISOString().slice(0, 10))).filter((c) => !exclude.includes(c.id));
  return pool.sort((a, b) => loadOf(a) - loadOf(b) || a.id.localeCompare(b.id))[0]?.id ?? null;
}

export async function allocate(db: Db, task: TaskToAllocate): Promise<Allocation> {
  return db.transaction((trx) => allocateIn(trx, task));
}

/** R7: the specialist gives the task back; it goes to the next candidate, never back to one who declined it. */
export async function decline(db: Db, task: TaskToAllocate, specialistId: string): Promise<Allocation> {
  return db.transaction(async (trx) => {
    await trx('task_assignments')
      .where({ request_id: task.requestId, task_id: task.taskId })
      .update({
        status: 'queued',
        assignee_id: null,
        declined_by: trx.raw('case when ? = any(declined_by) then declined_by else array_append(declined_by, ?) end', [specialistId, specialistId]),
      });
    return allocateIn(trx, task);
  });
}

/** The one definition of absence: SQL true when the person in `staffColumn` is absent on the day bound twice after it. */
export function absentSql(staffColumn: string): string {
  return `exists (select 1 from staff_absences a where a.staff_id = ${staffColumn} and a.starts_on <= ? and a.ends_on >= ?)`;
}

/** A finished or cancelled task gives its hours back. */
export async function release(db: Db, requestId: string, taskIds: string[]): Promise<void> {
  await db('task_assignments').where({ request_id: requestId }).whereIn('task_id', taskIds).update({ status: 'released' });
}

export interface Dispatched {
  requestId: string;
  taskId: string;
  assigneeId: string;
  mentorId?: string;
}

/**
 * R8, R9, R11: waiting tasks, critical first and then oldest first, get whoever has room now.
 * Returns the assignments made, each still to be told to its request (`notified_at` is null
 * until `markNotified`), so a retry after a crash tells them again rather than losing them.
 */
export async function dispatchQueued(db: Db, limit = 200): Promise<Dispatched[]> {
  const waiting = await rowsOf<AssignmentRow[]>(db('task_assignments')
    .whereIn('status', ['queued', 'missing_skill'])
    .orderBy([{ column: 'priority_rank' }, { column: 'queued_at' }, { column: 'task_id' }])
    .limit(limit));
  for (const row of waiting) {
    await db.transaction(async (trx) => {
      const result = await allocateIn(trx, { requestId: row.request_id, taskId: row.task_id, skill: row.skill, priority: row.priority });
      if (result.status === 'assigned') {
        await trx('task_assignments').where({ request_id: row.request_id, task_id: row.task_id }).update({ notified_at: null });
      }
    });
  }
  const unnotified = await rowsOf<{
    request_id: string;
    task_id: string;
    assignee_id: string;
    seniority: Seniority;
    mentor_id: string | null;
  }[]>(db('task_assignments as a')
    .join('staff as s', 's.id', 'a.assignee_id')
    .where('a.status', 'assigned')
    .whereNull('a.notified_at')
    .orderBy([{ column: 'a.priority_rank' }, { column: 'a.queued_at' }])
    .select('a.request_id', 'a.task_id', 'a.assignee_id', 's.seniority', 's.mentor_id'));
  return unnotified.map((r) => ({
    requestId: r.request_id,
    taskId: r.task_id,
    assigneeId: r.assignee_id,
    ...(r.seniority === 'junior' && r.mentor_id ? { mentorId: r.mentor_id } : {}),
  }));
}

export async function markNotified(db: Db, d: Pick<Dispatched, 'requestId' | 'taskId'>): Promise<void> {
  await db('task_assignments').where({ request_id: d.requestId, task_id: d.taskId }).update({ notified_at: db.fn.now() });
}

export interface WorkloadReport {
  at: string;
  /** R8: skills whose every holder is at capacity while tasks wait. */
  allHands: { skill: string; waiting: number; oldestSince: string }[];
  /** R9: skills nobody on staff has. */
  missingSkills: { skill: string; waiting: number }[];
  /** R12: available specialists holding no work. */
  idle: { id: string; name: string; skills: string[] }[];
  /** Tasks not yet started that would fit a much less loaded colleague: one call applies each. */
  proposals: { id: string; requestId: string; taskId: string; fromId: string; toId: string; reason: string }[];
}

/** The workload review (a Temporal Schedule runs it): all hands, missing skills, idle people, imbalance. */
/** `key`: the run that asks (a Schedule's workflow id); asked again, the review it wrote is answered, nothing written twice. */
export async function reviewWorkload(db: Db, now = new Date(), key?: string): Promise<WorkloadReport> {
  if (key !== undefined) {
    const done = await rowsOf<{ report: WorkloadReport } | undefined>(db('workload_reviews').where({ key }).first('report'));
    if (done) return done.report;
  }
  const today = now.toISOString().slice(0, 10);
  const waiting = await rowsOf<{ skill: string; status: string; n: number; oldest: Date }[]>(db('task_assignments')
    .whereIn('status', ['queued', 'missing_skill'])
    .groupBy('skill', 'status')
    .select('skill', 'status', db.raw('count(*)::int as n'), db.raw('min(queued_at) as oldest')));
  const absentIds = await rowsOf<string[]>(db('staff').whereRaw(absentSql('staff.id'), [today, today]).pluck('id'));
  const people = await rowsOf<{
    id: string;
    name: string;
    skills: string[];
    weekly_capacity_hours: number;
    load: number;
  }[]>(db('staff as s')
    .where({ 's.role': 'specialist', 's.active': true })
    // The hours each holds, as the ledger's trigger keeps them on the person's row.
    .select('s.id', 's.name', 's.skills', 's.weekly_capacity_hours', db.raw('s.load_hours::float as load')));
  const available = people.filter((p) => !absentIds.includes(p.id));
  const movable = await rowsOf<{
    request_id: string;
    task_id: string;
    skill: string;
    assignee_id: string;
    hours: number;
    declined_by: string[];
  }[]>(db('task_assignments as a')
    .join('tasks as t', function () {
      this.on('t.request_id', 'a.request_id').andOn('t.task_id', 'a.task_id');
    })
    .where('a.status', 'assigned')
    .whereIn('t.status', ['estimating', 'estimated', 'estimate_review'])
    .orderBy([{ column: 'a.priority_rank' }, { column: 'a.queued_at' }])
    .select('a.request_id', 'a.task_id', 'a.skill', 'a.assignee_id', 'a.hours', 'a.declined_by'));
  const load = new Map(available.map((p) => [p.id, p.load]));
  const proposals: WorkloadReport['proposals'] = [];
  for (const m of movable) {
    const from = load.get(m.assignee_id);
    if (from === undefined) continue;
    const hours = Number(m.hours);
    const to = available
      .filter((p) => p.id !== m.assignee_id && p.skills.includes(m.skill) && !m.declined_by.includes(p.id))
      .filter((p) => (load.get(p.id) ?? 0) + hours <= Number(p.weekly_capacity_hours))
      .sort((a, b) => (load.get(a.id) ?? 0) - (load.get(b.id) ?? 0))[0];
    // Worth moving only if the colleague stays less loaded than the holder was, even with the task.
    if (!to || (load.get(to.id) ?? 0) + hours >= from) continue;
    const proposal = {
      id: crypto.randomUUID(),
      requestId: m.request_id,
      taskId: m.task_id,
      fromId: m.assignee_id,
      toId: to.id,
      reason: `${m.task_id} (${hours} h) would balance ${from} h against ${load.get(to.id) ?? 0} h`,
    };
    proposals.push(proposal);
    load.set(m.assignee_id, from - hours);
    load.set(to.id, (load.get(to.id) ?? 0) + hours);
  }
  const report: WorkloadReport = {
    at: now.toISOString(),
    allHands: waiting.filter((w) => w.status === 'queued').map((w) => ({ skill: w.skill, waiting: w.n, oldestSince: w.oldest.toISOString() })),
    missingSkills: waiting.filter((w) => w.status === 'missing_skill').map((w) => ({ skill: w.skill, waiting: w.n })),
    idle: available.filter((p) => p.load === 0 && Number(p.weekly_capacity_hours) > 0).map((p) => ({ id: p.id, name: p.name, skills: p.skills })),
    proposals,
  };
  const written = await db.transaction(async (trx) => {
    const [row] = await rowsOf<{ id: string }[]>(
      trx('workload_reviews').insert({ at: now, report: JSON.stringify(report), key: key ?? null }).onConflict('key').ignore().returning('id'),
    );
    // Another try of the same run got there first: its review stands.
    if (!row) return false;
    if (proposals.length > 0) {
      await trx('reassignment_proposals').insert(
        proposals.map((p) => ({ id: p.id, request_id: p.requestId, task_id: p.taskId, from_id: p.fromId, to_id: p.toId, reason: p.reason, created_at: now })),
      );
    }
    const parts = [
      report.allHands.length ? `all hands: ${report.allHands.map((a) => `${a.skill} (${a.waiting} waiting)`).join(', ')}` : '',
      report.missingSkills.length ? `missing skills: ${report.missingSkills.map((a) => a.skill).join(', ')}` : '',
      report.idle.length ? `idle: ${report.idle.map((p) => p.name).join(', ')}` : '',
      report.proposals.length ? `${report.proposals.length} reassignment proposal(s)` : '',
    ].filter(Boolean);
    if (parts.length > 0) {
      await trx('notifications').insert({
        id: `workload-review:${String(row?.id)}`,
        recipient_role: 'head',
        kind: 'workload.review',
        text: `Workload review: ${parts.join('; ')}`,
        created_at: now,
      });
    }
    return true;
  });
  if (!written && key !== undefined) {
    const done = await rowsOf<{ report: WorkloadReport } | undefined>(db('workload_reviews').where({ key }).first('report'));
    if (done) return done.report;
  }
  return report;
}

/** Approved budgets replace the default size of a request's tasks in their assignees' load. */
export async function setTaskHours(db: Db, requestId: string, hours: Record<string, number>): Promise<void> {
  for (const [taskId, h] of Object.entries(hours)) {
    await db('task_assignments').where({ request_id: requestId, task_id: taskId }).update({ hours: h });
  }
}

/** R11: a request's new priority orders its tasks in the queues. */
export async function setPriority(db: Db, requestId: string, priority: Priority): Promise<void> {
  await db('task_assignments').where({ request_id: requestId }).update({ priority, priority_rank: priorityRank(priority) });
}
