import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { TASK_QUEUE } from '../shared/contract';
import { monthlyRolloverWorkflow, workloadReviewWorkflow } from '../workflows';

export const WORKLOAD_REVIEW_SCHEDULE = 'workload-review';
export const MONTHLY_ROLLOVER_SCHEDULE = 'monthly-rollover';

/** The workload review runs on a Temporal Schedule (not a timer in a process); created once, updated to the configured interval. */
export async function ensureSchedules(
  client: Client,
  { everyMinutes, taskQueue = TASK_QUEUE }: { everyMinutes: number; taskQueue?: string },
) {
  const review = { intervals: [{ every: `${everyMinutes} minutes` }] };
  // Daily, a little after midnight UTC: every time zone's month has turned by the next run at the latest.
  const daily = { calendars: [{ hour: 0, minute: 30 }] };
  await upsert(client, WORKLOAD_REVIEW_SCHEDULE, review, { type: 'startWorkflow', workflowType: workloadReviewWorkflow, taskQueue, workflowId: 'workload-review' });
  await upsert(client, MONTHLY_ROLLOVER_SCHEDULE, daily, {
    type: 'startWorkflow',
    workflowType: monthlyRolloverWorkflow,
    taskQueue,
    workflowId: 'monthly-rollover',
    args: [{}],
  });
}

type Options = Parameters<Client['schedule']['create']>[0];

async function upsert(client: Client, scheduleId: string, spec: Options['spec'], action: Options['action']) {
  try {
    await client.schedule.create({ scheduleId, spec, action, policies: { overlap: ScheduleOverlapPolicy.SKIP } });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((prev) => ({ ...prev, spec, action: action }));
  }
}
