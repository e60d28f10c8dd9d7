import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import MWSE from '@mwse/client';
import { createEngine, type Engine } from '@mwse/engine';
import { redisMissing, startRedis, type TestRedis } from '@mwse/testkit/redis';
import { selfSignedCertificate, type SelfSignedCertificate } from '@mwse/testkit/tls';
import { eventually, recordingLogger, withTimeout } from '../integration/harness.js';
import { trustingWebSocket } from '../integration/tlsClient.js';
import { NGINX, NGINX_CLUSTER_TEMPLATE_URL, startNginx, type RunningNginx } from './startNginx.js';

// Without nginx or redis-server here the suite is skipped, except in CI, which installs both.
const skip = (!existsSync(NGINX) && !process.env.CI) || redisMissing();

describe('docs/cluster.md', () => {
  it('shows docs/deploy/nginx-cluster.conf exactly, the file the cluster nginx test runs', () => {
    const template = readFileSync(NGINX_CLUSTER_TEMPLATE_URL, 'utf8');
    const doc = readFileSync(new URL('../../../../docs/cluster.md', import.meta.url), 'utf8');
    expect(doc).toContain(`\`\`\`nginx\n${template}\`\`\``);
  });
});

describe.skipIf(skip)('nginx from docs/deploy/nginx-cluster.conf in front of two cluster nodes', () => {
  let certificate: SelfSignedCertificate;
  let redis: TestRedis;
  let nginx: RunningNginx;
  const engines: Engine[] = [];
  const logs = [recordingLogger(), recordingLogger(), recordingLogger()];
  const clients: MWSE[] = [];
  /** Socket ids each node logged as connected (or resumed there, where a cluster moves a session). */
  const connectedOn = (i: number) =>
    new Set(logs[i]!.lines.filter((l) => l.message === 'connected' || l.message === 'resumed').map((l) => String(l.fields.peer)));

  beforeAll(async () => {
    certificate = selfSignedCertificate();
    redis = await startRedis();
    for (const [i, nodeId] of ['node-a', 'node-b', 'node-c'].entries()) {
      engines.push(
        await createEngine({
          host: '127.0.0.1',
          port: 0,
          transport: 'uws',
          trustProxy: 1,
          resumeGrace: 60_000,
          cluster: { redis: redis.url, nodeId },
          store: { redis: redis.url },
          logger: logs[i]!.logger,
        }),
      );
    }
    nginx = await startNginx({
      template: NGINX_CLUSTER_TEMPLATE_URL,
      upstreamPorts: engines.map((e) => e.port),
      certFile: certificate.certFile,
      keyFile: certificate.keyFile,
    });
  });
  afterAll(async () => {
    for (const c of clients.splice(0)) c.close();
    await nginx?.stop();
    await Promise.all(engines.map((e) => e.close()));
    await redis?.stop();
    certificate?.remove();
  });

  it('spreads WebSocket connections over the nodes, and moves the clients of a closed node to the others', async () => {
    const WebSocket = trustingWebSocket(certificate.cert);
    for (let i = 0; i < 12; i++) {
      const mwse = new MWSE({ endpoint: `wss://127.0.0.1:${nginx.port}/`, WebSocket, reconnect: { initialDelay: 50, maxDelay: 200 } });
      clients.push(mwse);
      // One at a time, each connection held open: least_conn then picks the emptiest node.
      await withTimeout(mwse.scope(), 10_000, `client ${i} scope through nginx`);
    }
    const ids = clients.map((c) => c.me.socketId);
    await eventually(() => ids.every((id) => [0, 1, 2].some((i) => connectedOn(i).has(id))), 5000, 'every node to log its connections');
    const counts = [0, 1, 2].map((i) => ids.filter((id) => connectedOn(i).has(id)).length);
    // 12 held connections over 3 nodes with least_conn: 4 each.
    expect(counts).toEqual([4, 4, 4]);

    const onA = clients.filter((c) => connectedOn(0).has(c.me.socketId));
    const back = onA.map((c) => new Promise<void>((resolve) => c.once('reconnect', () => resolve())));
    await engines[0]!.close();
    await withTimeout(Promise.all(back), 15_000, "node-a's clients to reconnect through nginx");
    for (const c of onA) {
      expect(c.connected).toBe(true);
      expect([1, 2].some((i) => connectedOn(i).has(c.me.socketId))).toBe(true);
    }
  });
});
