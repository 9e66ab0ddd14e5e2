import type { Complexity, Priority, Role, TimeCategory } from './types';

/** Hours are kept in quarter hours everywhere: estimates, buffers and billing round to 0.25 h. */
export function roundQuarter(hours: number): number {
  return Math.round(hours * 4) / 4;
}

/**
 * R13: the risk buffer is a policy, not a guess. A share of the estimate by complexity, and a
 * further share for large work (more than two working days), rounded up to the quarter hour.
 */
export const BUFFER_POLICY = {
  shareByComplexity: { low: 0.1, medium: 0.2, high: 0.35 } satisfies Record<Complexity, number>,
  largeWorkHours: 16,
  largeWorkExtraShare: 0.1,
};

export function riskBuffer(hours: number, complexity: Complexity): number {
  let share = BUFFER_POLICY.shareByComplexity[complexity];
  if (hours > BUFFER_POLICY.largeWorkHours) share += BUFFER_POLICY.largeWorkExtraShare;
  return Math.ceil(hours * share * 4) / 4;
}

/** R2: a manager's quick answer under this many minutes is not billable. */
export const QUICK_ANSWER_MINUTES = 15;

/**
 * R2, R22: whether a time entry is billable is decided by the rules, not typed in.
 * Returns the decision with its reason, which is stored beside the entry.
 */
export function billability(
  category: TimeCategory,
  role: Role,
  minutes: number,
  quickAnswerMinutes = QUICK_ANSWER_MINUTES,
): { billable: boolean; reason: string } {
  if (category === 'mentoring') return { billable: false, reason: 'mentor review is internal' };
  if (category === 'rework') return { billable: false, reason: 'rework after an unsatisfactory result is internal' };
  if (category === 'review' && role !== 'client') return { billable: false, reason: 'internal review is not billed' };
  if (category === 'communication' && role === 'manager' && minutes < quickAnswerMinutes) {
    return { billable: false, reason: `quick answer under ${quickAnswerMinutes} min` };
  }
  return { billable: true, reason: `${category} is billable` };
}

/** Durations of the request's timers, in ms. Tests run with short ones; nothing waits on wall-clock minutes. */
export interface TimingPolicy {
  /** R3: working time from intake to triage, by priority. */
  triageSlaMs: Record<Priority, number>;
  /** R17: after a missed deadline the manager is alerted at once, the head after this grace period. */
  deadlineGraceMs: number;
  /** R21: a silent client in client review is reminded this often, at most `clientReminderMax` times. */
  clientReminderEveryMs: number;
  clientReminderMax: number;
  /** Length of one day of a subscription's auto-close policy ("close after N silent days"). */
  dayMs: number;
}

const HOUR = 3600_000;

export const DEFAULT_TIMING: TimingPolicy = {
  triageSlaMs: { critical: 1 * HOUR, high: 4 * HOUR, normal: 8 * HOUR, low: 24 * HOUR },
  deadlineGraceMs: 4 * HOUR,
  clientReminderEveryMs: 48 * HOUR,
  clientReminderMax: 3,
  dayMs: 24 * HOUR,
};
