import { DEFAULT_CALENDAR, type WorkCalendar } from './calendar';
import type { Complexity, Priority, Role, TimeCategory } from './types';

/** Hours are kept in quarter hours everywhere: estimates, buffers and billing round to 0.25 h. */
export function roundQuarter(hours: number): number {
  return Math.round(hours * 4) / 4;
}

/**
 * R13: the risk buffer is a policy, not a guess. A share of the estimate by complexity, and a
 * further share for large work (more than two working days), rounded up to the quarter hour.
 */
export interface BufferPolicy {
  shareByComplexity: Record<Complexity, number>;
  largeWorkHours: number;
  largeWorkExtraShare: number;
}

export const BUFFER_POLICY: BufferPolicy = {
  shareByComplexity: { low: 0.1, medium: 0.2, high: 0.35 },
  largeWorkHours: 16,
  largeWorkExtraShare: 0.1,
};

export function riskBuffer(hours: number, complexity: Complexity, policy: BufferPolicy = BUFFER_POLICY): number {
  let share = policy.shareByComplexity[complexity];
  if (hours > policy.largeWorkHours) share += policy.largeWorkExtraShare;
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

/**
 * A subscription's policy (#16), in the units an administrator thinks in. The company default is
 * one too. Each change is a new version; a request keeps the version it was filed under.
 */
export interface Policy {
  /** R3: working minutes from intake to triage, by priority. */
  triageSlaMinutes: Record<Priority, number>;
  /** R17: the head is told this many minutes after a missed deadline still unresolved. */
  deadlineGraceMinutes: number;
  /** R21: a silent client in client review is reminded every `everyHours`, at most `count` times. */
  reminders: { everyHours: number; count: number };
  /** R21: a request in client review closes after this many silent days; null: never on its own. */
  autoCloseAfterDays: number | null;
  /** R13: the risk buffer's shares of the estimate by complexity, and the extra share for large work. */
  riskBuffer: { low: number; medium: number; high: number; largeWorkHours: number; largeWorkExtra: number };
  /** R2: a manager's answer under this many minutes is not billed. */
  quickAnswerMinutes: number;
  /** Unused hours at a month's end: none roll over, all, or up to `maxHours`; each rolled hour lasts `months` months. */
  rollover: { mode: 'none' } | { mode: 'all'; months: number } | { mode: 'upTo'; maxHours: number; months: number };
  /** R12: from this day of the month a client whose hours would go unused is flagged. */
  underuseCheckDay: number;
  /** Working time: the zone (null: the subscription's), working days, shifts, holidays. */
  calendar: { timeZone: string | null; workdays: number[]; hours: { from: string; to: string }[]; holidays: string[] };
}

/** The company default: the rules as they stood before policies existed. */
export const DEFAULT_POLICY: Policy = {
  triageSlaMinutes: { critical: 60, high: 240, normal: 480, low: 1440 },
  deadlineGraceMinutes: 240,
  reminders: { everyHours: 48, count: 3 },
  autoCloseAfterDays: null,
  riskBuffer: { low: 0.1, medium: 0.2, high: 0.35, largeWorkHours: 16, largeWorkExtra: 0.1 },
  quickAnswerMinutes: QUICK_ANSWER_MINUTES,
  rollover: { mode: 'none' },
  underuseCheckDay: 20,
  calendar: {
    timeZone: null,
    workdays: DEFAULT_CALENDAR.workdays,
    hours: [{ from: DEFAULT_CALENDAR.dayStart, to: DEFAULT_CALENDAR.dayEnd }],
    holidays: [],
  },
};

/** Which policy version a request runs under. */
export interface PolicyRef {
  policyId: string;
  name: string;
  version: number;
}

/** The working calendar of a policy, in the subscription's zone unless the policy names its own. */
export function policyCalendar(policy: Policy, subscriptionZone: string): WorkCalendar {
  const shifts = policy.calendar.hours.map((h): [string, string] => [h.from, h.to]);
  return {
    timeZone: policy.calendar.timeZone ?? subscriptionZone,
    workdays: [...policy.calendar.workdays],
    dayStart: shifts[0]?.[0] ?? '00:00',
    dayEnd: shifts.at(-1)?.[1] ?? '24:00',
    shifts,
    holidays: [...policy.calendar.holidays],
  };
}

/** The timers of a policy, in ms, as the workflow counts them. */
export function policyTiming(policy: Policy): TimingPolicy {
  const MINUTE = 60_000;
  return {
    triageSlaMs: {
      critical: policy.triageSlaMinutes.critical * MINUTE,
      high: policy.triageSlaMinutes.high * MINUTE,
      normal: policy.triageSlaMinutes.normal * MINUTE,
      low: policy.triageSlaMinutes.low * MINUTE,
    },
    deadlineGraceMs: policy.deadlineGraceMinutes * MINUTE,
    clientReminderEveryMs: policy.reminders.everyHours * 60 * MINUTE,
    clientReminderMax: policy.reminders.count,
    dayMs: 24 * 60 * MINUTE,
  };
}

export function policyBuffer(policy: Policy): BufferPolicy {
  const b = policy.riskBuffer;
  return { shareByComplexity: { low: b.low, medium: b.medium, high: b.high }, largeWorkHours: b.largeWorkHours, largeWorkExtraShare: b.largeWorkExtra };
}

/** The fields two policy versions differ in, as dotted paths with both values. */
export function policyChanges(from: Policy, to: Policy): { field: string; from: unknown; to: unknown }[] {
  const out: { field: string; from: unknown; to: unknown }[] = [];
  const walk = (a: unknown, b: unknown, path: string) => {
    const objects = a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b);
    if (objects) {
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
        walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
      }
    } else if (JSON.stringify(a) !== JSON.stringify(b)) {
      out.push({ field: path, from: a ?? null, to: b ?? null });
    }
  };
  walk(from, to, '');
  return out;
}
