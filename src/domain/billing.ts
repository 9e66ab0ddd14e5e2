// Billing arithmetic (R18, R23), pure.
//
// Per task: billable = min(actual billable hours, approved budget), where the approved budget is
// the approved estimate with its buffer plus extensions agreed for objective causes. Finishing
// early bills only what was spent. Hours past the budget are split off and tagged with their
// cause: an agreed internal cause (wrong estimate, specialist mistake) when there is one, else
// "over budget"; they are never billed. Time that is not billable by rule (rework, mentoring,
// internal review, quick answers) is reported with its reason, never billed.
//
// Rounding: minutes are summed exactly; the request's billable total is rounded once, to the
// nearest quarter hour (0.125 h rounds up). Per-task figures are reported unrounded, in hours
// to two decimals.
import { roundQuarter } from './policy';
import type { DeadlineCause, Task, TimeEntry } from './types';

export interface TaskBilling {
  taskId: string;
  actualHours: number;
  budgetHours: number;
  billableHours: number;
  /** Past the budget: never billed, tagged with its cause. */
  overrunHours: number;
  overrunCause?: DeadlineCause | 'over_budget';
  /** Hours on this task that are not billed, by reason: rework, mentoring, the overrun with its cause. */
  nonBillable: Record<string, number>;
}

export interface RequestBilling {
  tasks: TaskBilling[];
  /** Billable time logged on the request itself (a manager's consultation, analysis): billed as spent. */
  requestHours: number;
  billableHours: number;
  /** Hours that are not billed, by reason (overruns by cause, rework, mentoring, quick answers …). */
  nonBillable: Record<string, number>;
}

const h2 = (minutes: number) => Math.round((minutes / 60) * 100) / 100;

/** The bill of a request's tasks from its time entries (all of them: the workflow's own list, or the read model's). */
export function billingOf(state: { tasks: Task[]; timeEntries: TimeEntry[] }): RequestBilling {
  const nonBillable: Record<string, number> = {};
  const add = (reason: string, hours: number) => {
    if (hours > 0) nonBillable[reason] = Math.round(((nonBillable[reason] ?? 0) + hours) * 100) / 100;
  };
  for (const e of state.timeEntries) if (!e.billable) add(e.billableReason, h2(e.minutes));

  const minutesOn = (taskId: string | undefined) =>
    state.timeEntries.filter((e) => e.billable && e.taskId === taskId).reduce((sum, e) => sum + e.minutes, 0);
  const tasks = state.tasks
    .filter((t) => t.approvedHours !== undefined || minutesOn(t.id) > 0)
    .map((t): TaskBilling => {
      const actual = minutesOn(t.id) / 60;
      const budget = t.approvedHours ?? 0;
      const billable = Math.min(actual, budget);
      const overrun = Math.max(0, actual - budget);
      const internal = [...t.extensions].reverse().find((x) => !x.objective);
      const cause = overrun > 0 ? (internal?.cause ?? 'over_budget') : undefined;
      if (cause) add(`overrun: ${cause}`, Math.round(overrun * 100) / 100);
      const own: Record<string, number> = {};
      for (const e of state.timeEntries) {
        if (!e.billable && e.taskId === t.id) own[e.billableReason] = Math.round(((own[e.billableReason] ?? 0) + e.minutes / 60) * 100) / 100;
      }
      if (cause) own[`overrun: ${cause}`] = Math.round(overrun * 100) / 100;
      return {
        taskId: t.id,
        actualHours: Math.round(actual * 100) / 100,
        budgetHours: budget,
        billableHours: Math.round(billable * 100) / 100,
        overrunHours: Math.round(overrun * 100) / 100,
        ...(cause ? { overrunCause: cause } : {}),
        nonBillable: own,
      };
    });
  const requestHours = minutesOn(undefined) / 60;
  const exact = requestHours + state.tasks.reduce((sum, t) => sum + Math.min(minutesOn(t.id) / 60, t.approvedHours ?? 0), 0);
  return { tasks, requestHours: Math.round(requestHours * 100) / 100, billableHours: roundQuarter(exact), nonBillable };
}

/**
 * R23 for one person's part of a task: their billable minutes' share of what the task bills
 * (min(actual, approved budget)); time on no task (a manager's consultation) bills as spent. The
 * utilisation report counts with this, so its billable hours are the statement's.
 */
export function billableShare(minutes: number, task: { minutes: number; budgetHours: number } | undefined): number {
  if (!task) return minutes / 60;
  if (task.minutes <= 0) return 0;
  return (minutes / task.minutes) * Math.min(task.minutes / 60, task.budgetHours);
}

/** Hours rolled into a month, by the month they were first included in. */
export interface CarriedHours {
  origin: string;
  hours: number;
}

/** Whole months from one period ('YYYY-MM-01') to another. */
export function monthsBetween(from: string, to: string): number {
  return (Number(to.slice(0, 4)) - Number(from.slice(0, 4))) * 12 + Number(to.slice(5, 7)) - Number(from.slice(5, 7));
}

/**
 * What rolls from a closed month into the next under a policy's rule. The month's hours are its
 * subscription's (`included`, first included in `period`) and those carried in; hours used go
 * first from the oldest, so the free hours are the newest. Each rolled hour is usable for
 * `months` months after the month it was first included in (null: without end); `upTo` keeps at
 * most `maxHours`, the newest first.
 */
export function rolloverOf(
  rule: { mode: 'none' } | { mode: 'all'; months: number | null } | { mode: 'upTo'; maxHours: number; months: number },
  r: { period: string; next: string; included: number; carriedIn: CarriedHours[]; freeHours: number },
): CarriedHours[] {
  if (rule.mode === 'none' || r.freeHours <= 0) return [];
  const newestFirst = [{ origin: r.period, hours: r.included }, ...[...r.carriedIn].sort((a, b) => b.origin.localeCompare(a.origin))];
  let free = r.freeHours;
  let room = rule.mode === 'upTo' ? rule.maxHours : Infinity;
  const out: CarriedHours[] = [];
  for (const chunk of newestFirst) {
    const left = Math.min(chunk.hours, free);
    free -= left;
    if (rule.months !== null && monthsBetween(chunk.origin, r.next) > rule.months) continue;
    const kept = roundQuarter(Math.min(left, room));
    if (kept <= 0) continue;
    room -= kept;
    out.push({ origin: chunk.origin, hours: kept });
  }
  return out.sort((a, b) => a.origin.localeCompare(b.origin));
}
