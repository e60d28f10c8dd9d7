import { describe, expect, it } from 'vitest';
import { createEngine, ListenError, type Engine } from '@mwse/engine';
import { TRANSPORTS } from './harness.js';
import { freePort } from '@mwse/testkit/net';


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
