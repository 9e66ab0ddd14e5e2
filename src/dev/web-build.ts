// Builds the web app (web/dist) when it is missing or older than its sources: `npm run dev` and
// the test setup call it, so what is served is always what the sources say.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const WEB = path.join(ROOT, 'web');

function newest(dir: string): number {
  let latest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const p = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return latest;
}

export function ensureWebBuilt(log: (line: string) => void = () => undefined): void {
  const index = path.join(WEB, 'dist', 'index.html');
  if (fs.existsSync(index) && fs.statSync(index).mtimeMs >= newest(WEB)) return;
  log('building the web app (web/dist)');
  execFileSync(path.join(ROOT, 'node_modules', '.bin', 'vite'), ['build', 'web', '--logLevel', 'warn'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
}
