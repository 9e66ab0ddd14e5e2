// The Temporal UI's "Stack Trace" view asks a workflow where it waits (the `__stack_trace`
// query): for a request it answers with the line of our workflow code that waits.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Flow } from './support/flow';
import { makeCompany, openHarness, requestHandle, type Harness } from './support/harness';

let h: Harness;
let f: Flow;
beforeAll(async () => {
  h = await openHarness();
  f = new Flow(h, await makeCompany(h));
});
afterAll(async () => h?.close());

it('the stack-trace query of a waiting request answers, naming where it waits', async () => {
  const id = await f.file('Where does it wait?');
  const trace = await (await requestHandle(h, id)).query<string>('__stack_trace');
  // The line of our workflow that waits, as the UI shows it.
  expect(trace).toMatch(/at requestWorkflow \(.*src\/workflows\/request\.ts:\d+:\d+\)/);
});
