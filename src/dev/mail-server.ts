// A local mail server (GreenMail standalone: SMTP and IMAP in one Java process) for `npm run dev`
// and the tests: every address is a mailbox, any password opens it, nothing leaves the machine.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, killStale, stopChild, waitForPort, type Running } from './stack';

const PROJECT_ROOT = path.resolve(__dirname, '../..');
/** Where `scripts/setup.sh` puts the pinned GreenMail (Maven Central). */
export const GREENMAIL_JAR = path.join(PROJECT_ROOT, '.tools/greenmail-standalone-2.1.8.jar');


export interface LocalMailServer extends Running {
  host: string;
  smtpPort: number;
  imapPort: number;
}

/** Why the local mail server cannot start here; undefined when it can. */
export function mailServerMissing(): string | undefined {
  if (!fs.existsSync(GREENMAIL_JAR)) return `${path.relative(PROJECT_ROOT, GREENMAIL_JAR)} is missing: run bash scripts/setup.sh`;
  if (spawnSync('java', ['-version'], { stdio: 'ignore' }).status !== 0) return 'Java is missing: sudo apt-get install default-jre-headless';
  return undefined;
}

export async function startLocalMailServer(opts: { logFile: string; smtpPort?: number; imapPort?: number }): Promise<LocalMailServer> {
  const missing = mailServerMissing();
  if (missing) throw new Error(missing);
  const host = '127.0.0.1';
  const smtpPort = opts.smtpPort || (await freePort());
  const imapPort = opts.imapPort || (await freePort());
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  // One left running by a run that was killed outright is stopped first.
  const pidFile = `${opts.logFile}.pid`;
  killStale(pidFile, 'greenmail');
  const out = fs.openSync(opts.logFile, 'a');
  const child = spawn(
    'java',
    [
      '-Xmx1g',
      `-Dgreenmail.smtp.hostname=${host}`,
      `-Dgreenmail.smtp.port=${smtpPort}`,
      `-Dgreenmail.imap.hostname=${host}`,
      `-Dgreenmail.imap.port=${imapPort}`,
      // Any user and password open the mailbox of that address.
      '-Dgreenmail.auth.disabled',
      '-jar',
      GREENMAIL_JAR,
    ],
    { stdio: ['ignore', out, out], detached: true },
  );
  fs.closeSync(out);
  if (child.pid) fs.writeFileSync(pidFile, String(child.pid));
  child.once('exit', () => fs.rmSync(pidFile, { force: true }));
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`the mail server exited with code ${code}; see ${opts.logFile}`))));
  await Promise.race([Promise.all([waitForPort(smtpPort, host), waitForPort(imapPort, host)]), exited]);
  exited.catch(() => undefined);
  return {
    host,
    smtpPort,
    imapPort,
    stop: () => stopChild(child, 5_000),
  };
}

/** The environment that points the worker at a local mail server, for `support@` of the demo. */
export function localMailEnv(server: LocalMailServer, from: string): Record<string, string> {
  return {
    MAIL_FROM: from,
    IMAP_HOST: server.host,
    IMAP_PORT: String(server.imapPort),
    IMAP_TLS: 'false',
    IMAP_USER: from,
    IMAP_PASSWORD: 'local',
    SMTP_HOST: server.host,
    SMTP_PORT: String(server.smtpPort),
    SMTP_TLS: 'false',
  };
}
