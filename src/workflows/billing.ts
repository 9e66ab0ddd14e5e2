import { proxyActivities } from '@temporalio/workflow';
import type * as activities from '../activities';

const acts = proxyActivities<ReturnType<typeof activities.createActivities>>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * R12, R24: run daily by the `monthly-rollover` Schedule; closes ended months and flags under-use,
 * each client by its subscription's policy. (Schedules made before policies pass an under-use day: it is ignored.)
 */
export async function monthlyRolloverWorkflow(_args?: { underuseCheckDay?: number }) {
  return acts.monthlyRollover({});
}
