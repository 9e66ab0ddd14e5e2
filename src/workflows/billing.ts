import { proxyActivities } from '@temporalio/workflow';
import type * as activities from '../activities';

const acts = proxyActivities<ReturnType<typeof activities.createActivities>>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** R12, R24: run daily by the `monthly-rollover` Schedule; closes ended months, flags under-use. */
export async function monthlyRolloverWorkflow({ underuseCheckDay }: { underuseCheckDay: number }) {
  return acts.monthlyRollover({ underuseCheckDay });
}
