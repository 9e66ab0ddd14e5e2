// The mail channel (#17), run by Schedules: the support mailbox read, notifications mailed, and
// each person's digest at their hour. All I/O is in the activities; these only call them.
import { proxyActivities } from '@temporalio/workflow';
import type * as activities from '../activities';

const acts = proxyActivities<ReturnType<typeof activities.createActivities>>({
  startToCloseTimeout: '5 minutes',
  // The next run of the Schedule tries again; a mail server that is down holds nothing up.
  retry: { initialInterval: '2 seconds', maximumInterval: '30 seconds', maximumAttempts: 5 },
});

/** Run by the `mail-in` Schedule: stores each new mail once, then files, answers or quarantines it. */
export async function mailInWorkflow() {
  return acts.readMail();
}

/** Run by the `mail-out` Schedule: plans the mail of new notifications and sends the instant ones. */
export async function mailOutWorkflow() {
  return acts.sendMail();
}

/** Run hourly by the `mail-digest` Schedule (or for a given moment): the digests due at that hour. */
export async function mailDigestWorkflow(args?: { at?: string }) {
  return acts.sendMailDigests({ at: args?.at ?? new Date().toISOString() });
}
