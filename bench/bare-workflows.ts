// The physical limit the benchmarks compare against: a workflow that does nothing but answer
// Updates, on the same Temporal server, with the same number of Updates per request.
import { condition, defineUpdate, setHandler } from '@temporalio/workflow';

/** Answers with how many Updates it has had; `last: true` ends the workflow. */
export const stepUpdate = defineUpdate<number, [{ last?: boolean }]>('step');

export async function bareWorkflow(): Promise<number> {
  let steps = 0;
  let done = false;
  setHandler(stepUpdate, ({ last }) => {
    steps++;
    if (last) done = true;
    return steps;
  });
  await condition(() => done);
  return steps;
}
