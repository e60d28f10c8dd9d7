import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { createEngine, ListenError, type Engine } from '@mwse/engine';
import { freePort } from '@mwse/testkit/net';
import { redisMissing, startRedis, type TestRedis } from '@mwse/testkit/redis';
import { TRANSPORTS, attemptHandshake, eventually, recordingLogger } from '../integration/harness.js';

describe('the engine\'s reusePort option', () => {
  it('needs cluster: engines that share no state must not share a port', async () => {
    await expect(createEngine({ host: '127.0.0.1', port: 0, reusePort: true })).rejects.toThrow(
      new TypeError('reusePort needs cluster: only cluster nodes may share a port'),
    );
  });
});

describe.skipIf(redisMissing())('cluster nodes sharing one port (uWebSockets.js, SO_REUSEPORT)', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('two nodes listen on one port and the kernel gives each of them connections; an exclusive engine still gets EADDRINUSE', async () => {
    const port = await freePort();
    const engines: Engine[] = [];
    const sockets: WebSocket[] = [];
    try {
      const logs = [recordingLogger(), recordingLogger()];
      for (const [i, log] of logs.entries()) {
        engines.push(
          await createEngine({
            host: '127.0.0.1',
            port,
            transport: 'uws',
            reusePort: true,
            cluster: { redis: redis.url, nodeId: `shared-${i}` },
            store: { redis: redis.url },
            logger: log.logger,
          }),
        );
      }
      expect(engines.map((e) => e.port)).toEqual([port, port]);
      const handshakes = await Promise.all(Array.from({ length: 16 }, () => attemptHandshake(`ws://127.0.0.1:${port}`, {}, sockets)));
      const ids = handshakes.map((h) => (h.accepted ? String(h.hello.socketId) : ''));
      expect(ids.every((id) => id !== '')).toBe(true);
      const seen = (i: number) => new Set(logs[i]!.lines.filter((l) => l.message === 'connected').map((l) => String(l.fields.peer)));
      await eventually(() => ids.every((id) => seen(0).has(id) || seen(1).has(id)), 5000, 'both engines to log their connections');
      // 16 connections hashed over two sockets: all on one would be a 1-in-32768 chance.
      expect(seen(0).size).toBeGreaterThan(0);
      expect(seen(1).size).toBeGreaterThan(0);
      expect(seen(0).size + seen(1).size).toBe(16);

      for (const transport of TRANSPORTS) {
        const error = await createEngine({ host: '127.0.0.1', port, transport }).then(
          (engine) => void engines.push(engine),
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ListenError);
        expect(error).toMatchObject({ code: 'EADDRINUSE', port });
      }
    } finally {
      for (const socket of sockets) socket.terminate();
      await Promise.all(engines.map((engine) => engine.close()));
    }
  });

  it('a node asking to share cannot join a port an exclusive engine holds', async () => {
    const holder = await createEngine({ host: '127.0.0.1', port: 0, transport: 'uws' });
    try {
      const error = await createEngine({
        host: '127.0.0.1',
        port: holder.port,
        transport: 'uws',
        reusePort: true,
        cluster: { redis: redis.url },
        store: { redis: redis.url },
      }).then(
        (engine) => engine.close(),
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ListenError);
      expect(error).toMatchObject({ code: 'EADDRINUSE', port: holder.port });
    } finally {
      await holder.close();
    }
  });
});
