import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { Router } from 'express';
import type { WorkloadReport } from '../../activities/allocation';
import { rowsOf, type Db } from '../../db/knex';
import { PRIORITY_WEIGHT, loadOf, type Priority } from '../../domain';
import { actionUpdates, requestWorkflowId } from '../../shared/contract';
import { dispatchWorkflow, workloadReviewWorkflow } from '../../workflows';
import { actorOf, requireRole } from '../auth';
import { conflict, notFound } from '../errors';
import { absenceBody, uuidFrom } from '../schemas';
import { recordAdminChange } from '../audit';

interface LoadRow {
  id: string;
  name: string;
  seniority: string;
  skills: string[];
  weekly_capacity_hours: number;
  absent: boolean;
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

export function workloadRouter({ db, temporal, taskQueue }: { db: Db; temporal: Client; taskQueue: string }): Router {
  const router = Router();
  const today = () => new Date().toISOString().slice(0, 10);

  /** Open tasks held by people, ordered by priority then deadline (R11): each person's queue. */
  const held = () =>
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
  router.get('/workload', requireRole('manager', 'head'), async (_req, res) => {
    const people = await rowsOf<LoadRow[]>(db('staff as s')
      .where({ 's.role': 'specialist', 's.active': true })
      .orderBy('s.name')
      .select(
        's.id',
        's.name',
        's.seniority',
        's.skills',
        's.weekly_capacity_hours',
        db.raw('exists (select 1 from staff_absences b where b.staff_id = s.id and b.starts_on <= ? and b.ends_on >= ?) as absent', [today(), today()]),
      ));
    const tasks = await rowsOf<HeldRow[]>(held());
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
      const hours = mine.reduce((s, t) => s + Number(t.hours), 0);
      const weighted = mine.reduce((s, t) => s + Number(t.hours) * PRIORITY_WEIGHT[t.priority], 0);
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
    res.json({ specialists, skills });
  });

  /** A specialist's own queue, most urgent first (R11). */
  router.get('/me/tasks', requireRole('specialist'), async (req, res) => {
    const rows = await rowsOf<HeldRow[]>(held().where('a.assignee_id', actorOf(req).id));
    res.json({ items: rows.map(taskView) });
  });

  router.post('/admin/staff/:id/absences', requireRole('admin', 'head'), async (req, res) => {
    const staffId = { data: uuidFrom(req.params.id, 'person') };
    if (!(await db('staff').where({ id: staffId.data }).first('id'))) throw notFound('no such person');
    const b = absenceBody.parse(req.body);
    const id = randomUUID();
    await db('staff_absences').insert({ id, staff_id: staffId.data, starts_on: b.startsOn, ends_on: b.endsOn, kind: b.kind, note: b.note });
    await recordAdminChange(db, req, 'absence.create', staffId.data, { absenceId: id, ...b });
    res.status(201).json({ id, staffId: staffId.data, ...b });
  });

  /** Capacity appeared outside a request (new staff, an absence ended early): waiting tasks take it now. */
  router.post('/workload/dispatch', requireRole('admin', 'head', 'manager'), async (_req, res) => {
    const assigned = await temporal.workflow.execute(dispatchWorkflow, { workflowId: `dispatch-${randomUUID()}`, taskQueue });
    res.json({ assigned });
  });

  router.post('/workload/review', requireRole('head', 'manager'), async (_req, res) => {
    const report: WorkloadReport = await temporal.workflow.execute(workloadReviewWorkflow, { workflowId: `workload-review-now-${randomUUID()}`, taskQueue });
    res.json(report);
  });

  router.get('/workload/review', requireRole('head', 'manager'), async (_req, res) => {
    const row = await rowsOf<{ report: WorkloadReport } | undefined>(db('workload_reviews').orderBy('id', 'desc').first('report'));
    if (!row) throw notFound('no workload review has run yet');
    res.json(row.report);
  });

  /** One call applies a proposal of the review: the task moves to the less loaded colleague. */
  router.post('/workload/proposals/:id/apply', requireRole('head', 'manager'), async (req, res) => {
    const actor = actorOf(req);
    const id = { success: true as const, data: uuidFrom(req.params.id, 'proposal') };
    const p = id.success
      ? ((await db('reassignment_proposals').where({ id: id.data }).first()) as
          | { id: string; request_id: string; task_id: string; to_id: string; reason: string; applied_at: Date | null }
          | undefined)
      : undefined;
    if (!p) throw notFound('no such proposal');
    if (p.applied_at) throw conflict('the proposal was applied already');
    const state = await temporal.workflow
      .getHandle(requestWorkflowId(p.request_id))
      .executeUpdate(actionUpdates.reassignTask, {
        args: [{ actor, command: { type: 'reassignTask', taskId: p.task_id, specialistId: p.to_id, reason: `workload review: ${p.reason}` } }],
      });
    await db('reassignment_proposals').where({ id: p.id }).update({ applied_at: db.fn.now(), applied_by: actor.id });
    res.json(state);
  });

  return router;
}
