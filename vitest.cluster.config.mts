import { defineConfig } from 'vitest/config';

// The cluster fault test (test/cluster/): it starts a cluster of its own, so it runs after the
// rest of the tests, alone on the machine (`npm test` runs it second).
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 1_200_000,
    hookTimeout: 900_000,
    reporters: ['default', 'json'],
    outputFile: { json: '.data/cluster-results.json' },
  },
});
