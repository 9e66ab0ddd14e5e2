import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MissingTemporalCli, PROJECT_TEMPORAL_CLI, findTemporalCli } from '../src/dev/stack';

function fakeCli(dir: string): string {
  const file = path.join(dir, 'temporal');
  fs.writeFileSync(file, '#!/bin/sh\necho fake\n', { mode: 0o755 });
  return file;
}

describe('finding the Temporal CLI', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-'));
  const onPath = fs.mkdtempSync(path.join(os.tmpdir(), 'path-'));
  const explicit = fakeCli(dir);
  const found = fakeCli(onPath);

  it('takes $TEMPORAL_CLI first', () => {
    expect(findTemporalCli({ TEMPORAL_CLI: explicit, PATH: `${onPath}:/usr/bin:/bin` })).toBe(explicit);
  });

  it('says so when $TEMPORAL_CLI names nothing', () => {
    expect(() => findTemporalCli({ TEMPORAL_CLI: path.join(dir, 'missing'), PATH: '/usr/bin:/bin' })).toThrow(MissingTemporalCli);
  });

  it('then `temporal` on PATH', () => {
    expect(findTemporalCli({ PATH: `${onPath}:/usr/bin:/bin` })).toBe(found);
  });

  it('then the one the project installed, else a message saying how to install it', () => {
    const env = { PATH: '/usr/bin:/bin' };
    if (fs.existsSync(PROJECT_TEMPORAL_CLI)) {
      expect(findTemporalCli(env)).toBe(PROJECT_TEMPORAL_CLI);
    } else {
      expect(() => findTemporalCli(env)).toThrow(/scripts\/setup\.sh/);
    }
  });
});
