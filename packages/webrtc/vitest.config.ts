import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The browser suites share one server and one Chromium per file; one file at a time keeps
    // them from fighting over the CPU (media encoding is heavy).
    testTimeout: 30_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
