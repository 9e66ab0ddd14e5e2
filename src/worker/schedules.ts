import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { TASK_QUEUE } from '../shared/contract';
import { workloadReviewWorkflow } from '../workflows';

export const WORKLOAD_REVIEW_SCHEDULE = 'workload-review';

/** The workload review runs on a Temporal Schedule (not a timer in a process); created once, updated to the configured interval. */
export async function ensureSchedules(client: Client, { everyMinutes, taskQueue = TASK_QUEUE }: { everyMinutes: number; taskQueue?: string }) {
  const spec = { intervals: [{ every: `${everyMinutes} minutes` }] };
  try {
    await client.schedule.create({
      scheduleId: WORKLOAD_REVIEW_SCHEDULE,
      spec,
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      action: { type: 'startWorkflow', workflowType: workloadReviewWorkflow, taskQueue, workflowId: 'workload-review' },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(WORKLOAD_REVIEW_SCHEDULE).update((prev) => ({ ...prev, spec }));
  }
}
