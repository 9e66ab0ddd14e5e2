import { madeGood } from '../../temporal/answer';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { Router } from 'express';
import type { WorkloadReport } from '../../stores/allocation';
import type { Db } from '../../db/knex';
import { actionUpdates, requestWorkflowId } from '../../shared/contract';
import { workflowRefOf } from '../../stores/requests';
import { dispatchWorkflow, workloadReviewWorkflow } from '../../workflows';
import { recordAdminChange } from '../../stores/admin-audit';
import { staffById } from '../../stores/people';
import { latestReview, markProposalApplied, proposal, queueOf, reviewsFor, recordAbsence, workloadView } from '../../stores/workload';
import { actorOf, requireRole } from '../auth';
import { conflict, notFound } from '../errors';
import { absenceBody, uuidFrom } from '../schemas';
import { staffView } from '../views';

export function workloadRouter({ db, temporal, taskQueue }: { db: Db; temporal: Client; taskQueue: string }): Router {
  const router = Router();

  /** Load per person and per skill, with the queue of waiting tasks. */
  router.get('/workload', requireRole('manager', 'head'), async (_req, res) => {
    res.json(await workloadView(db));
  });

  /** A specialist's own queue, most urgent first (R11). */
  router.get('/me/tasks', requireRole('specialist'), async (req, res) => {
    const me = actorOf(req).id;
    res.json({ items: await queueOf(db, me), reviews: await reviewsFor(db, me) });
  });

  router.post('/admin/staff/:id/absences', requireRole('admin', 'head'), async (req, res) => {
    const staffId = uuidFrom(req.params.id, 'person');
    if (!(await staffById(db, staffId))) throw notFound('no such person');
    const b = absenceBody.parse(req.body);
    const id = await recordAbsence(db, staffId, b);
    await recordAdminChange(db, actorOf(req), 'absence.create', staffId, { absenceId: id, ...b });
    res.status(201).json({ id, staffId, ...b });
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
    const report = await latestReview(db);
    if (!report) throw notFound('no workload review has run yet');
    res.json(report);
  });

  /** One call applies a proposal of the review: the task moves to the less loaded colleague. */
  router.post('/workload/proposals/:id/apply', requireRole('head', 'manager'), async (req, res) => {
    const actor = actorOf(req);
    const p = await proposal(db, uuidFrom(req.params.id, 'proposal'));
    if (!p) throw notFound('no such proposal');
    if (p.applied_at) throw conflict('the proposal was applied already');
    const handle = temporal.workflow.getHandle(requestWorkflowId(await workflowRefOf(db, p.request_id)));
    const answer = await handle.executeUpdate(actionUpdates.reassignTask, {
      args: [{ actor, command: { type: 'reassignTask', taskId: p.task_id, specialistId: p.to_id, reason: `workload review: ${p.reason}` } }],
    });
    const state = await madeGood(db, temporal, handle, answer);
    await markProposalApplied(db, p.id, actor.id);
    res.json(staffView(actor, state));
  });

  return router;
}
