// No Docker engine runs here: the file is parsed and held against what the application reads.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ENV_VARS } from '../src/config';
import { SEARCH_ATTRIBUTE_TYPES } from '../src/shared/contract';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number>;
  healthcheck?: { test: unknown };
  depends_on?: Record<string, { condition: string }>;
}

const root = path.resolve(__dirname, '..');
const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };
const { services } = compose;

describe('docker-compose.yml', () => {
  it('runs PostgreSQL, Temporal on PostgreSQL with its schema set up by the admin tools, the UI, api and worker', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['api', 'migrate', 'postgres', 'temporal', 'temporal-namespace', 'temporal-schema', 'temporal-ui', 'worker'].sort(),
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
