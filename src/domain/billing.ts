import { roundQuarter } from './policy';
import type { RequestState } from './types';

/**
 * R23: billable hours of a task = min(actual billable hours, approved budget); finishing early
 * bills only what was spent, an overrun past the budget is never billed. Billable time logged
 * on the request itself (a manager's consultation, analysis) is billed as spent.
 * Minutes are summed first and the total rounded to the quarter hour once.
 */
export function billableHours(state: RequestState): number {
  const billableMinutes = (taskId: string | undefined) =>
    state.timeEntries.filter((e) => e.billable && e.taskId === taskId).reduce((sum, e) => sum + e.minutes, 0);
  const onRequest = billableMinutes(undefined) / 60;
  const onTasks = state.tasks.reduce(
    (sum, t) => sum + Math.min(billableMinutes(t.id) / 60, t.approvedHours ?? 0),
    0,
  );
  return roundQuarter(onRequest + onTasks);
}
