import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';

describe('configuration from the environment', () => {
  it('defaults to the embedded stack', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ databaseUrl: undefined, temporalConfigured: false, port: 3000, temporalUiPort: 8233 });
  });

  it.each(['TEMPORAL_ADDRESS', 'TEMPORAL_API_KEY', 'TEMPORAL_PROFILE', 'TEMPORAL_CONFIG_FILE'])(
    'starts no embedded Temporal when %s is set',
    (name) => {
      expect(loadConfig({ [name]: 'x' }).temporalConfigured).toBe(true);
    },
  );

  it('uses DATABASE_URL when set', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://db/x' }).databaseUrl).toBe('postgres://db/x');
  });

  it('refuses a port that is not a port', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
  });
});
