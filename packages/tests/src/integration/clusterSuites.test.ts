/**
 * The integration suites on a 2-node cluster (docs/cluster.md): the same suites, not copies.
 * The switch goes first; each suite's `useServer` then starts a redis-server of its own and two
 * engines on it, and each test's connections alternate between the nodes, so every pair of
 * clients in a test spans both.
 */
import { describe, it } from 'vitest';
import { redisMissing } from '@mwse/testkit/redis';
import { useClusterFixture } from './clusterMode.js';


if (redisMissing()) {
  describe.skip('the integration suites on a 2-node cluster (no redis-server here)', () => it('needs redis-server', () => {}));
} else {
  useClusterFixture();
  await import('./peers.test.js');
  await import('./requests.test.js');
  await import('./pairing.test.js');
  await import('./info.test.js');
  await import('./rooms.test.js');
  await import('./roomPackCounts.test.js');
  await import('./roomInfo.test.js');
  await import('./presence.test.js');
  await import('./pairOnce.test.js');
  await import('./binary.test.js');
  await import('./roomNameBytes.test.js');
  await import('./roomNameUnicode.test.js');
  await import('./infoPoolBytes.test.js');
  await import('./addresses.test.js');
  await import('./api.test.js');
  await import('../broadcast/service.test.js');
}
