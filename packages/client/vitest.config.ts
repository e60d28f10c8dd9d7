import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // PeerRegistry's tests force garbage collection to prove peers with listeners survive it.
    execArgv: ['--expose-gc'],
  },
});
