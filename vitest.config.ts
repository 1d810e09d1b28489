import { configDefaults, defineConfig } from 'vitest/config';

/** Files that load the whole machine: run after the others, alone (project `load`). */
const LOAD = ['test/fleet.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Integration tests start brokers and servers; on 2 cores two files at a time is the sweet spot.
    maxWorkers: 2,
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    projects: [
      {
        extends: true,
        test: {
          name: 'hub',
          include: [
            'core/**/*.test.ts',
            'adapters/**/*.test.ts',
            'platform/**/*.test.ts',
            'domains/**/*.test.ts',
            'hub/**/*.test.ts',
            'simulators/**/*.test.ts',
            'test/**/*.test.ts',
          ],
          exclude: [...configDefaults.exclude, ...LOAD],
          globalSetup: ['test/global-setup.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'load',
          include: LOAD,
          globalSetup: ['test/global-setup-load.ts'],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
