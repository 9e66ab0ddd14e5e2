// People's load and queues as the allocation ledger holds them (R6, R8, R11): the workload
// view, a specialist's own queue, absences, and the workload review's proposals.
import { randomUUID } from 'node:crypto';
import { rowsOf, type Db } from '../db/knex';
import { loadOf, type Priority } from '../domain';
import { absentSql } from './allocation';
import type { WorkloadReport } from './allocation';

interface LoadRow {
  id: string;
  name: string;
  seniority: string;
  skills: string[];
  weekly_capacity_hours: number;
  absent: boolean;
  load_hours: number;
  weighted_load_hours: number;
}

interface HeldRow {
  assignee_id: string;
  request_id: string;
  task_id: string;
  skill: string;
  priority: Priority;
  hours: number;
  over_capacity: boolean;
  title: string | null;
  status: string | null;
  deadline_at: Date | null;
}

const today = () => new Date().toISOString().slice(0, 10);

  /** Open tasks held by people, ordered by priority then deadline (R11): each person's queue. */
const held = (db: Db) =>
  db('task_assignments as a')
      .leftJoin('tasks as t', function () {
        this.on('t.request_id', 'a.request_id').andOn('t.task_id', 'a.task_id');
      })
      .where('a.status', 'assigned')
    .orderBy([{ column: 'a.priority_rank' }, { column: 't.deadline_at', nulls: 'last' }, { column: 'a.queued_at' }])
      .select('a.assignee_id', 'a.request_id', 'a.task_id', 'a.skill', 'a.priority', 'a.hours', 'a.over_capacity', 't.title', 't.status', 't.deadline_at');

const taskView = (r: HeldRow) => ({
    requestId: r.request_id,
    taskId: r.task_id,
    title: r.title,
    skill: r.skill,
    priority: r.priority,
    status: r.status,
    hours: Number(r.hours),
    deadlineAt: r.deadline_at?.toISOString() ?? null,
    overCapacity: r.over_capacity,
  });

/** Load per person and per skill, with the queue of waiting tasks. */
export async function workloadView(db: Db) {
    const people = await rowsOf<LoadRow[]>(db('staff as s')
      .where({ 's.role': 'specialist', 's.active': true })
      .orderBy('s.name')
      .select(
        's.id',
        's.name',
        's.seniority',
        's.skills',
        's.weekly_capacity_hours',
        's.load_hours',
        's.weighted_load_hours',
        db.raw(`${absentSql('s.id')} as absent`, [today(), today()]),
      ));
    const tasks = await rowsOf<HeldRow[]>(held(db));
    const waiting = await rowsOf<{
      request_id: string;
      task_id: string;
      skill: string;
      priority: Priority;
      status: string;
      hours: number;
      queued_at: Date;
    }[]>(db('task_assignments')
      .whereIn('status', ['queued', 'missing_skill'])
      .orderBy([{ column: 'priority_rank' }, { column: 'queued_at' }])
      .select('request_id', 'task_id', 'skill', 'priority', 'status', 'hours', 'queued_at'));
    const specialists = people.map((p) => {
      const mine = tasks.filter((t) => t.assignee_id === p.id);
      // Load as the allocation ledger keeps it on the person's row (one definition, src/domain/load.ts and its trigger).
      const hours = Number(p.load_hours);
      const weighted = Number(p.weighted_load_hours);
      const capacity = p.absent ? 0 : Number(p.weekly_capacity_hours);
      return {
        id: p.id,
        name: p.name,
        seniority: p.seniority,
        skills: p.skills,
        weeklyCapacityHours: Number(p.weekly_capacity_hours),
        absent: p.absent,
        assignedHours: hours,
        freeHours: Math.max(0, capacity - hours),
        load: loadOf({ weightedLoadHours: weighted, weeklyCapacityHours: capacity }),
        tasks: mine.map(taskView),
      };
    });
    const skills = [...new Set([...people.flatMap((p) => p.skills), ...waiting.map((w) => w.skill)])].sort().map((skill) => {
      const holders = specialists.filter((s) => s.skills.includes(skill));
      return {
        skill,
        specialists: holders.length,
        capacityHours: holders.reduce((s, h) => s + (h.absent ? 0 : h.weeklyCapacityHours), 0),
        assignedHours: holders.reduce((s, h) => s + h.assignedHours, 0),
        queue: waiting
          .filter((w) => w.skill === skill)
          .map((w) => ({ requestId: w.request_id, taskId: w.task_id, priority: w.priority, waitingFor: w.status === 'missing_skill' ? 'skill' : 'capacity', since: w.queued_at.toISOString() })),
      };
    });
  return { specialists, skills };
}

/** R10: a junior's estimates and results waiting for this senior mentor, oldest first. */
export async function reviewsFor(db: Db, mentorId: string) {
  const rows = await rowsOf<{ request_id: string; task_id: string; title: string; status: string; priority: string; estimate_hours: number | null; updated_at: Date }[]>(
    db('tasks')
      .where({ mentor_id: mentorId })
      .whereIn('status', ['estimate_review', 'result_review'])
      .orderBy('updated_at')
      .select('request_id', 'task_id', 'title', 'status', 'priority', 'estimate_hours', 'updated_at'),
  );
  return rows.map((r) => ({
    requestId: r.request_id,
    taskId: r.task_id,
    title: r.title,
    review: r.status === 'estimate_review' ? ('estimate' as const) : ('result' as const),
    priority: r.priority,
    estimateHours: r.estimate_hours === null ? null : Number(r.estimate_hours),
    since: r.updated_at.toISOString(),
  }));
}

/** A specialist's own queue, most urgent first (R11). */
export async function queueOf(db: Db, specialistId: string) {
  const rows = await rowsOf<HeldRow[]>(held(db).where('a.assignee_id', specialistId));
  return rows.map(taskView);
}

/** An absence: no capacity on those dates. */
export async function recordAbsence(db: Db, staffId: string, a: { startsOn: string; endsOn: string; kind: string; note: string }): Promise<string> {
  const id = randomUUID();
  await db('staff_absences').insert({ id, staff_id: staffId, starts_on: a.startsOn, ends_on: a.endsOn, kind: a.kind, note: a.note });
  return id;
}

export async function latestReview(db: Db): Promise<WorkloadReport | undefined> {
  const row = await rowsOf<{ report: WorkloadReport } | undefined>(db('workload_reviews').orderBy('id', 'desc').first('report'));
  return row?.report;
}

export interface Proposal {
  id: string;
  request_id: string;
  task_id: string;
  to_id: string;
  reason: string;
  applied_at: Date | null;
}

export async function proposal(db: Db, id: string): Promise<Proposal | undefined> {
  return (await db('reassignment_proposals').where({ id }).first()) as Proposal | undefined;
}

export async function markProposalApplied(db: Db, id: string, by: string): Promise<void> {
  await db('reassignment_proposals').where({ id }).update({ applied_at: db.fn.now(), applied_by: by });
}
