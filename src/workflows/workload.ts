// Allocation across requests: the dispatcher and the periodic workload review (a Schedule).
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type * as activities from '../activities';

const acts = proxyActivities<ReturnType<typeof activities.createActivities>>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** Started when capacity appears outside a request (new staff, a head's decision): waiting tasks take it. */
export async function dispatchWorkflow(): Promise<number> {
  return acts.dispatchQueued();
}

/** R8, R12: run by the `workload-review` Schedule. */
export async function workloadReviewWorkflow() {
  // Requests whose workflow ended without closing give their hours back first.
  await acts.reconcileEndedRequests();
  // Keyed by this run: a retried activity answers with the review it wrote.
  return acts.reviewWorkload({ key: workflowInfo().workflowId });
}
