// Histories recorded from earlier versions (test/histories, `npm run record-histories`) must
// replay against the current workflow code: a change that would break running workflows fails here.
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { expect, inject, it } from 'vitest';

const dir = path.join(__dirname, 'histories');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

it('keeps the three representative histories of each version of the workflow recorded so far (v1 to v14)', () => {
  for (const prefix of ['', 'v2-', 'v3-', 'v4-', 'v5-', 'v6-', 'v7-', 'v8-', 'v9-', 'v10-', 'v11-', 'v12-', 'v13-', 'v14-']) {
    for (const name of ['self-resolved', 'decomposed-rework-deadline', 'cancelled']) {
      expect(files.some((f) => f.startsWith(`${prefix}${name}`)), `${prefix}${name}`).toBe(true);
    }
  }
});

it.each(files)('replays %s deterministically', async (file) => {
  // runReplayHistory takes the JSON form as the CLI writes it.
  const history: unknown = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  await expect(Worker.runReplayHistory({ workflowBundle: { code: inject('workflowBundleCode') } }, history, file)).resolves.toBeUndefined();
});
