// No Docker engine runs here: the file is parsed and held against what the application reads.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ENV_VARS } from '../src/config';
import { SEARCH_ATTRIBUTE_TYPES } from '../src/shared/contract';
import { CLUSTER } from '../src/cluster/shape';
import { DYNAMIC_CONFIG, serverConfig } from '../src/cluster/stack';

interface Service {
  image?: string;
  build?: unknown;
  deploy?: { replicas?: number };
  volumes?: string[];
  command?: string[];
  environment?: Record<string, string | number>;
  healthcheck?: { test: unknown };
  depends_on?: Record<string, { condition: string }>;
}

const root = path.resolve(__dirname, '..');
const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const { services } = compose;

describe('docker-compose.yml', () => {
  it('runs PostgreSQL, Temporal on PostgreSQL with its schema set up by the admin tools, the UI, api and worker', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['api', 'migrate', 'postgres', 'temporal', 'temporal-history', 'temporal-matching', 'temporal-worker', 'temporal-namespace', 'temporal-schema', 'temporal-ui', 'worker'].sort(),
    );
    expect(Object.values(services).some((s) => s.image?.includes('auto-setup'))).toBe(false);
    expect(services['temporal-schema']?.image).toMatch(/^temporalio\/admin-tools:/);
    expect(services.temporal?.image).toMatch(/^temporalio\/server:/);
    expect(services.temporal?.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgres' });
    expect(services.temporal?.depends_on?.['temporal-schema']?.condition).toBe('service_completed_successfully');
    expect(services['temporal-ui']?.image).toMatch(/^temporalio\/ui:/);
    for (const name of ['api', 'worker', 'migrate']) expect(services[name]?.build).toBe('.');
  });

  it('has healthchecks that the services wait on', () => {
    expect(services.postgres?.healthcheck).toBeDefined();
    expect(services.api?.healthcheck).toBeDefined();
    expect(services.migrate?.depends_on?.postgres?.condition).toBe('service_healthy');
  });

  it('sets only variables the application reads, and those it needs', () => {
    for (const name of ['api', 'worker', 'migrate']) {
      const vars = Object.keys(services[name]?.environment ?? {});
      for (const v of vars) expect(ENV_VARS, `${name} sets ${v}`).toContain(v);
      expect(vars).toContain('DATABASE_URL');
    }
    for (const name of ['api', 'worker']) expect(Object.keys(services[name]?.environment ?? {})).toContain('TEMPORAL_ADDRESS');
  });

  it('runs the commands that exist in the project', () => {
    for (const name of ['api', 'worker', 'migrate']) {
      const script = services[name]?.command?.at(-1) ?? '';
      expect(fs.existsSync(path.join(root, script)), script).toBe(true);
    }
  });

  it('registers every search attribute the workflow writes', () => {
    const setup = fs.readFileSync(path.join(root, 'deploy/temporal/setup-namespace.sh'), 'utf8');
    for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_TYPES)) expect(setup).toContain(`${name}:${type}`);
  });
});

describe('one cluster, three descriptions: npm run cluster, docker-compose.yml, the Helm values', () => {
  const helm = parse(fs.readFileSync(path.join(root, 'deploy/helm/temporal-values.yaml'), 'utf8')) as {
    server: { image: { tag: string }; config: { numHistoryShards: number; persistence: Record<string, { sql: { driver: string; database: string } }> }; dynamicConfig: unknown } & Record<string, { replicaCount?: number }>;
    admintools: { image: { tag: string } };
    web: { image: { tag: string } };
  };
  const dynamicConfig = parse(fs.readFileSync(DYNAMIC_CONFIG, 'utf8')) as unknown;
  const cluster = parse(serverConfig({ host: '127.0.0.1', port: 5432, user: 'u', password: 'p' }, Object.fromEntries(CLUSTER.services.map((s, i) => [s, { grpc: 7000 + i, membership: 8000 + i }])) as never)) as {
    persistence: { numHistoryShards: number; datastores: Record<string, { sql: { pluginName: string; databaseName: string } }> };
    services: Record<string, unknown>;
    dynamicConfigClient: { filepath: string };
  };
  const temporalServices = Object.entries(services).filter(([, s]) => s.image?.startsWith('temporalio/server:'));

  it('the same Temporal release', () => {
    for (const [name, s] of temporalServices) expect(s.image, name).toBe(`temporalio/server:\${TEMPORAL_SERVER_VERSION:-${CLUSTER.temporalVersion}}`);
    for (const name of ['temporal-schema', 'temporal-namespace']) expect(services[name]?.image, name).toBe(`temporalio/admin-tools:\${TEMPORAL_ADMIN_TOOLS_VERSION:-${CLUSTER.temporalVersion}}`);
    expect(helm.server.image.tag).toBe(CLUSTER.temporalVersion);
    expect(helm.admintools.image.tag).toBe(CLUSTER.temporalVersion);
    expect(services['temporal-ui']?.image).toBe(`temporalio/ui:\${TEMPORAL_UI_VERSION:-${CLUSTER.uiVersion}}`);
    expect(helm.web.image.tag).toBe(CLUSTER.uiVersion);
  });

  it('the same four services, each its own process', () => {
    expect(temporalServices.map(([, s]) => s.environment?.SERVICES).sort()).toEqual([...CLUSTER.services].sort());
    expect(Object.keys(cluster.services).sort()).toEqual([...CLUSTER.services].sort());
    for (const s of CLUSTER.services) expect(helm.server[s]?.replicaCount, s).toBe(1);
  });

  it('the same shard count', () => {
    expect(cluster.persistence.numHistoryShards).toBe(CLUSTER.numHistoryShards);
    for (const [name, s] of temporalServices) expect(s.environment?.NUM_HISTORY_SHARDS, name).toBe(CLUSTER.numHistoryShards);
    expect(helm.server.config.numHistoryShards).toBe(CLUSTER.numHistoryShards);
  });

  it('the same dynamic config', () => {
    expect(cluster.dynamicConfigClient.filepath).toBe(DYNAMIC_CONFIG);
    for (const [name, s] of temporalServices) expect(s.volumes, name).toContain('./deploy/temporal/dynamicconfig.yaml:/etc/temporal/config/dynamicconfig/retainer-desk.yaml:ro');
    expect(helm.server.dynamicConfig).toEqual(dynamicConfig);
  });

  it('the same databases on PostgreSQL, with the schema versions of the release', () => {
    expect(Object.values(cluster.persistence.datastores).map((d) => [d.sql.pluginName, d.sql.databaseName])).toEqual([
      ['postgres12', 'temporal'],
      ['postgres12', 'temporal_visibility'],
    ]);
    expect(Object.values(helm.server.config.persistence).map((d) => [d.sql.driver, d.sql.database])).toEqual([
      ['postgres12', 'temporal'],
      ['postgres12', 'temporal_visibility'],
    ]);
    const setup = fs.readFileSync(path.join(root, 'deploy/temporal/setup-schema.sh'), 'utf8');
    expect(setup).toContain(`--schema-name postgresql/v12/temporal --version ${CLUSTER.schema.temporal}`);
    expect(setup).toContain(`--schema-name postgresql/v12/visibility --version ${CLUSTER.schema.visibility}`);
  });

  it('two workers and two APIs', () => {
    expect(services.worker?.deploy?.replicas).toBe(CLUSTER.desk.workers);
    expect(services.api?.deploy?.replicas).toBe(CLUSTER.desk.apis);
  });
});
