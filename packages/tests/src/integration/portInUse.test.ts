import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createEngine, ListenError, type Engine } from '@mwse/engine';
import { TRANSPORTS } from './harness.js';

/** A port that was free a moment ago: the first engine must bind a fixed port, as servers do. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe.each(TRANSPORTS)('a port already taken, second server over %s', (second) => {
  it.each(TRANSPORTS)(
    'fails with EADDRINUSE when the first runs over %s (regression: uWS shared the port and split the users)',
    async (first) => {
      const port = await freePort();
      const running: Engine[] = [];
      try {
        running.push(await createEngine({ host: '127.0.0.1', port, transport: first }));
        const error = await createEngine({ host: '127.0.0.1', port, transport: second }).then(
          (engine) => void running.push(engine),
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ListenError);
        expect(error).toMatchObject({ code: 'EADDRINUSE', host: '127.0.0.1', port });
        expect((error as Error).message).toBe(`cannot listen on 127.0.0.1:${port}: the port is already in use`);
      } finally {
        await Promise.all(running.map((engine) => engine.close()));
      }
    },
  );
});
