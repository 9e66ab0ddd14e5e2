import { defineConfig } from 'vitest/config';

// `npm run record-histories`: the same stack as the tests (vitest.config.mts), running only the recorder.
export default defineConfig({
  test: {
    include: ['test/record/*.ts'],
    pool: 'forks',
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
