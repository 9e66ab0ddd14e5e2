import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { TASK_QUEUE } from '../shared/contract';
import { mailDigestWorkflow, mailInWorkflow, mailOutWorkflow, monthlyRolloverWorkflow, workloadReviewWorkflow } from '../workflows';

export const WORKLOAD_REVIEW_SCHEDULE = 'workload-review';
export const MONTHLY_ROLLOVER_SCHEDULE = 'monthly-rollover';
export const MAIL_IN_SCHEDULE = 'mail-in';
export const MAIL_OUT_SCHEDULE = 'mail-out';
export const MAIL_DIGEST_SCHEDULE = 'mail-digest';

/** The workload review runs on a Temporal Schedule (not a timer in a process); created once, updated to the configured interval. */
export async function ensureSchedules(
  client: Client,
  { everyMinutes, taskQueue = TASK_QUEUE, mailEverySeconds }: { everyMinutes: number; taskQueue?: string; mailEverySeconds?: number | undefined },
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
  // The mail channel, where the worker has one: the mailbox read and notifications sent every few
  // seconds, and the digests checked at the top of every hour (each person's own hour and zone).
  if (mailEverySeconds) {
    const often = { intervals: [{ every: `${mailEverySeconds} seconds` }] };
    await upsert(client, MAIL_IN_SCHEDULE, often, { type: 'startWorkflow', workflowType: mailInWorkflow, taskQueue, workflowId: 'mail-in' });
    await upsert(client, MAIL_OUT_SCHEDULE, often, { type: 'startWorkflow', workflowType: mailOutWorkflow, taskQueue, workflowId: 'mail-out' });
    await upsert(client, MAIL_DIGEST_SCHEDULE, { calendars: [{ minute: 0, hour: '*' }] }, { type: 'startWorkflow', workflowType: mailDigestWorkflow, taskQueue, workflowId: 'mail-digest', args: [{}] });
  } else {
    // No mail channel any more: nothing plans mail that would all go out the day one returns.
    for (const id of [MAIL_IN_SCHEDULE, MAIL_OUT_SCHEDULE, MAIL_DIGEST_SCHEDULE]) {
      await client.schedule
        .getHandle(id)
        .delete()
        .catch((err: unknown) => {
          if (!(err instanceof ScheduleNotFoundError)) throw err;
        });
    }
  }
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
