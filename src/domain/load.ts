// Load and the choice of a specialist (R6, R8, R11), pure. The allocation activity feeds it the
// candidates it has locked in PostgreSQL and writes back its choice in the same transaction.
import type { Complexity, Priority, Seniority } from './types';
import { PRIORITIES } from './types';

/** Before an estimate exists a task counts with a default size by its expected complexity. */
export const DEFAULT_TASK_HOURS = 4;
export const DEFAULT_HOURS_BY_COMPLEXITY: Record<Complexity, number> = { low: 2, medium: DEFAULT_TASK_HOURS, high: 8 };

export function defaultTaskHours(complexity?: Complexity): number {
  return complexity ? DEFAULT_HOURS_BY_COMPLEXITY[complexity] : DEFAULT_TASK_HOURS;
}

/** R11: urgent work weighs more in a person's load when choosing who is least loaded. */
export const PRIORITY_WEIGHT: Record<Priority, number> = { critical: 1.5, high: 1.25, normal: 1, low: 0.75 };

export const priorityRank = (p: Priority): number => PRIORITIES.indexOf(p);

/** Which seniority suits work of a priority, best first, for ties: urgent work to seniors, easy work to juniors. */
export const SENIORITY_FIT: Record<Priority, readonly Seniority[]> = {
  critical: ['senior', 'middle', 'junior'],
  high: ['senior', 'middle', 'junior'],
  normal: ['middle', 'senior', 'junior'],
  low: ['junior', 'middle', 'senior'],
};

export interface Candidate {
  id: string;
  seniority: Seniority;
  weeklyCapacityHours: number;
  /** Σ hours of the open tasks they hold. */
  loadHours: number;
  /** Σ hours × priority weight of the same tasks. */
  weightedLoadHours: number;
  lastAssignedAt: string | null;
  absent: boolean;
}

/**
 * Load, defined once: the remaining hours of a person's open tasks (approved budget, else the
 * default size by expected complexity), weighted by priority, per hour of weekly
 * capacity. Absent people have no capacity.
 */
export function loadOf(c: Pick<Candidate, 'weightedLoadHours' | 'weeklyCapacityHours'>): number {
  return c.weightedLoadHours / Math.max(c.weeklyCapacityHours, 1);
}

/** Has room for `hours` more: within capacity, or holding nothing at all (a task larger than a week still goes to someone). */
export function fits(c: Candidate, hours: number): boolean {
  if (c.absent || c.weeklyCapacityHours <= 0) return false;
  return c.loadHours === 0 || c.loadHours + hours <= c.weeklyCapacityHours;
}

/** Plain string order (ISO times, ids): the same everywhere, and far cheaper than `localeCompare` over thousands of candidates. */
const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * R6: the available candidate with the lowest load; ties go to the seniority that fits the
 * priority, then to whoever waited longest since their last assignment.
 */
export function chooseSpecialist(candidates: Candidate[], hours: number, priority: Priority): Candidate | undefined {
  const fit = SENIORITY_FIT[priority];
  return candidates
    .filter((c) => fits(c, hours))
    .sort(
      (a, b) =>
        loadOf(a) - loadOf(b) ||
        fit.indexOf(a.seniority) - fit.indexOf(b.seniority) ||
        byCodeUnits(a.lastAssignedAt ?? '', b.lastAssignedAt ?? '') ||
        byCodeUnits(a.id, b.id),
    )[0];
}
