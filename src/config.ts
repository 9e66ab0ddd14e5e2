import path from 'node:path';

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
}

const TEMPORAL_ENV = ['TEMPORAL_ADDRESS', 'TEMPORAL_PROFILE', 'TEMPORAL_CONFIG_FILE', 'TEMPORAL_API_KEY'];

function intEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number, got "${raw}"`);
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    port: intEnv(env, 'PORT', 3000),
    dataDir: path.resolve(env.DATA_DIR || '.data'),
    embeddedPgPort: intEnv(env, 'EMBEDDED_PG_PORT', 5433),
    temporalPort: intEnv(env, 'TEMPORAL_DEV_PORT', 7233),
    temporalUiPort: intEnv(env, 'TEMPORAL_UI_PORT', 8233),
    temporalCli: env.TEMPORAL_CLI || undefined,
    temporalConfigured: TEMPORAL_ENV.some((name) => Boolean(env[name])),
    logLevel: env.LOG_LEVEL || 'info',
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
  'TEMPORAL_CLI',
  'LOG_LEVEL',
  ...TEMPORAL_ENV,
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_TLS_SERVER_NAME',
] as const;
