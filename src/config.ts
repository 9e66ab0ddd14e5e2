import path from 'node:path';
import type { MailConfig } from './activities/mail';

/** Every environment variable the system reads, in one place (README: Configuration). */
export interface Config {
  /** PostgreSQL; when unset, `npm run dev` starts the embedded one. */
  databaseUrl: string | undefined;
  port: number;
  /** Where the embedded PostgreSQL and Temporal keep their data. */
  dataDir: string;
  embeddedPgPort: number;
  temporalPort: number;
  temporalUiPort: number;
  temporalCli: string | undefined;
  /** True when Temporal's own environment configuration names a server: start none. */
  temporalConfigured: boolean;
  logLevel: string;
  /** Where notifications are delivered, signed with the secret; unset: the inbox only. */
  webhook: { url: string; secret: string } | undefined;
  /** How often the workload review Schedule runs (R8, R12). */
  workloadReviewMinutes: number;
  /** API calls per minute per token (429 with Retry-After beyond); 0 turns it off. */
  rateLimitPerMinute: number;
  /** How long the API waits for a request's workflow to answer an action before it answers 503 (the retry joins the action). */
  updateWaitMs: number;
  /** On SIGTERM, how long the API keeps answering (readiness failing) before it stops taking connections. */
  drainMs: number;
  /** Where the worker's Temporal runtime serves its Prometheus metrics (`/metrics`); 0: nowhere. */
  workerMetricsPort: number;
  /** Open requests the worker keeps in memory; one evicted is replayed from its history on its next message. */
  workerMaxCachedWorkflows: number;
  /** How often a worker sweeps for closing writes their callers never made. */
  closingsSweepSeconds: number;
  /** The Temporal UI managers open (each request links to its workflow there); unset: no links. */
  temporalUiUrl: string | undefined;
  /** Attachments: bytes per file and per request (413 beyond). */
  attachmentLimits: { maxFileBytes: number; maxRequestBytes: number };
  /** The mail channel: the support mailbox (IMAP) and the mail server (SMTP); unset: `npm run dev` starts a local one, the worker none. */
  mail: MailConfig | undefined;
  /** How often the mailbox is read and notifications are mailed. */
  mailPollSeconds: number;
}

const TEMPORAL_ENV = ['TEMPORAL_ADDRESS', 'TEMPORAL_PROFILE', 'TEMPORAL_CONFIG_FILE', 'TEMPORAL_API_KEY'];

function intEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a whole number from 0 to 65535, got "${raw}"`);
  return n;
}

function webhook(env: NodeJS.ProcessEnv): Config['webhook'] {
  if (!env.WEBHOOK_URL) return undefined;
  if (!env.WEBHOOK_SECRET) throw new Error('WEBHOOK_SECRET is required with WEBHOOK_URL: deliveries are signed with it');
  return { url: env.WEBHOOK_URL, secret: env.WEBHOOK_SECRET };
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  throw new Error(`${name} must be true or false, got "${env[name]}"`);
}

function mail(env: NodeJS.ProcessEnv, port: number, maxFileBytes: number): Config['mail'] {
  if (!env.IMAP_HOST && !env.SMTP_HOST) return undefined;
  const from = env.MAIL_FROM || 'support@retainer-desk.localhost';
  if (!/^[^@\s]+@[^@\s]+$/.test(from)) throw new Error(`MAIL_FROM must be an address, got "${from}"`);
  if (env.IMAP_HOST && !env.IMAP_USER) throw new Error('IMAP_USER is required with IMAP_HOST: the support mailbox is read as that user');
  const imapTls = flag(env, 'IMAP_TLS', true);
  const smtpTls = flag(env, 'SMTP_TLS', false);
  return {
    from,
    publicUrl: (env.PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, ''),
    maxMessageBytes: Math.max(1, intEnv(env, 'MAIL_MAX_MB', 25)) * 1024 * 1024,
    maxFileBytes,
    requireSenderAuth: flag(env, 'MAIL_REQUIRE_SENDER_AUTH', false),
    authservId: env.MAIL_AUTHSERV_ID || undefined,
    ...(env.IMAP_HOST
      ? { imap: { host: env.IMAP_HOST, port: intEnv(env, 'IMAP_PORT', imapTls ? 993 : 143), secure: imapTls, user: env.IMAP_USER!, password: env.IMAP_PASSWORD ?? '', mailbox: env.IMAP_MAILBOX || 'INBOX' } }
      : {}),
    ...(env.SMTP_HOST
      ? { smtp: { host: env.SMTP_HOST, port: intEnv(env, 'SMTP_PORT', smtpTls ? 465 : 587), secure: smtpTls, user: env.SMTP_USER || undefined, password: env.SMTP_PASSWORD || undefined } }
      : {}),
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = intEnv(env, 'PORT', 3000);
  const maxFileBytes = Math.max(1, intEnv(env, 'ATTACHMENT_MAX_MB', 10)) * 1024 * 1024;
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    port,
    dataDir: path.resolve(env.DATA_DIR || '.data'),
    embeddedPgPort: intEnv(env, 'EMBEDDED_PG_PORT', 5433),
    temporalPort: intEnv(env, 'TEMPORAL_DEV_PORT', 7233),
    temporalUiPort: intEnv(env, 'TEMPORAL_UI_PORT', 8233),
    temporalCli: env.TEMPORAL_CLI || undefined,
    temporalConfigured: TEMPORAL_ENV.some((name) => Boolean(env[name])),
    logLevel: env.LOG_LEVEL || 'info',
    webhook: webhook(env),
    workloadReviewMinutes: intEnv(env, 'WORKLOAD_REVIEW_MINUTES', 60) || 60,
    rateLimitPerMinute: intEnv(env, 'RATE_LIMIT_PER_MINUTE', 600),
    updateWaitMs: Math.max(1, intEnv(env, 'API_WAIT_SECONDS', 20)) * 1000,
    drainMs: intEnv(env, 'API_DRAIN_SECONDS', 5) * 1000,
    workerMetricsPort: intEnv(env, 'WORKER_METRICS_PORT', 9464),
    workerMaxCachedWorkflows: intEnv(env, 'WORKER_MAX_CACHED_WORKFLOWS', 1000),
    closingsSweepSeconds: Math.max(1, intEnv(env, 'CLOSINGS_SWEEP_SECONDS', 30)),
    temporalUiUrl: env.TEMPORAL_UI_URL?.replace(/\/+$/, '') || undefined,
    attachmentLimits: {
      maxFileBytes,
      maxRequestBytes: Math.max(1, intEnv(env, 'ATTACHMENT_REQUEST_MAX_MB', 100)) * 1024 * 1024,
    },
    mail: mail(env, port, maxFileBytes),
    mailPollSeconds: Math.max(1, intEnv(env, 'MAIL_POLL_SECONDS', 30)),
  };
}

/** Names of all variables above plus Temporal's standard ones: the docker-compose test checks against it. */
export const ENV_VARS = [
  'DATABASE_URL',
  'PORT',
  'DATA_DIR',
  'EMBEDDED_PG_PORT',
  'TEMPORAL_DEV_PORT',
  'TEMPORAL_UI_PORT',
  'TEMPORAL_UI_URL',
  'TEMPORAL_CLI',
  'LOG_LEVEL',
  'WEBHOOK_URL',
  'WEBHOOK_SECRET',
  'WORKLOAD_REVIEW_MINUTES',
  'RATE_LIMIT_PER_MINUTE',
  'API_WAIT_SECONDS',
  'API_DRAIN_SECONDS',
  'WORKER_METRICS_PORT',
  'WORKER_MAX_CACHED_WORKFLOWS',
  'CLOSINGS_SWEEP_SECONDS',
  'ATTACHMENT_MAX_MB',
  'ATTACHMENT_REQUEST_MAX_MB',
  'PUBLIC_URL',
  'MAIL_FROM',
  'MAIL_POLL_SECONDS',
  'MAIL_MAX_MB',
  'MAIL_REQUIRE_SENDER_AUTH',
  'MAIL_AUTHSERV_ID',
  'IMAP_HOST',
  'IMAP_PORT',
  'IMAP_TLS',
  'IMAP_USER',
  'IMAP_PASSWORD',
  'IMAP_MAILBOX',
  'SMTP_HOST',
  'SMTP_PORT',
  'SMTP_TLS',
  'SMTP_USER',
  'SMTP_PASSWORD',
  ...TEMPORAL_ENV,
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_TLS_SERVER_NAME',
] as const;
