import { redisMissing, startRedis, type TestRedis } from '@mwse/testkit/redis';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { killAndRestart } from './durabilityScenario.js';
import { TRANSPORTS } from './harness.js';

// A redis-server of this suite's own, AOF on (everysec), never the machine's shared one. Skipped
// only where redis-server is missing outside CI (.ci/run installs it).
const suite = redisMissing() ? describe.skip : describe;

suite.each(TRANSPORTS)('durable state across kill -9 of mwse-server (Redis, AOF) over %s', (transport) => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis({ appendonly: true });
  });
  afterAll(() => redis?.stop());

  it(
    'delivers every stored notification once, keeps keys and finishes pending webhooks, with Redis itself restarted between',
    () => killAndRestart(transport, { MWSE_STORE: 'redis', MWSE_REDIS_URL: redis.url }, () => redis.restart()),
    60_000,
  );
});
