import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Real servers, real browsers and npm installs: generous limits, one file at a time so
    // suites do not fight over CPU and make each other's timings flaky.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
