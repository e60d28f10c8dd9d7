import { existsSync, readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import MWSE from '@mwse/client';
import { createEngine, type Engine } from '@mwse/engine';
import { selfSignedCertificate, type SelfSignedCertificate } from '@mwse/testkit/tls';
import { TRANSPORTS, once, withTimeout } from '../integration/harness.js';
import { httpsGet, tlsClient } from '../integration/tlsClient.js';
import { NGINX, NGINX_TEMPLATE_URL, startNginx, type RunningNginx } from './startNginx.js';

// Without nginx here the suite is skipped, except in CI, which installs it (.ci/run).
const skip = !existsSync(NGINX) && !process.env.CI;

describe('docs/deploy.md', () => {
  it('shows docs/deploy/nginx.conf exactly, the file the nginx tests run', () => {
    const template = readFileSync(NGINX_TEMPLATE_URL, 'utf8');
    const doc = readFileSync(new URL('../../../../docs/deploy.md', import.meta.url), 'utf8');
    expect(doc).toContain(`\`\`\`nginx\n${template}\`\`\``);
  });
});

/** Open a wss:// socket through nginx and report the handshake's status (101 when it opened). */
function handshakeStatus(url: string, ca: string, localAddress: string): Promise<number> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { ca, localAddress });
      ws.once('open', () => {
        ws.terminate();
        resolve(101);
      });
      ws.once('unexpected-response', (_req, res) => {
        ws.terminate();
        resolve(res.statusCode ?? 0);
      });
      ws.once('error', reject);
    }),
    5000,
    `handshake through nginx from ${localAddress}`,
  );
}

describe.skipIf(skip).each(TRANSPORTS)('nginx from docs/deploy/nginx.conf in front of MWSE over %s', (transport) => {
  let certificate: SelfSignedCertificate;
  let engine: Engine;
  let nginx: RunningNginx;
  const clients: MWSE[] = [];
  const proxied = () => `wss://127.0.0.1:${nginx.port}/`;
  const direct = async () => {
    const mwse = new MWSE({ endpoint: `ws://127.0.0.1:${engine.port}/`, reconnect: false });
    clients.push(mwse);
    await withTimeout(new Promise<void>((resolve) => mwse.scope(() => resolve())), 5000, 'direct scope');
    return mwse;
  };
  // Clients reach nginx from other loopback addresses than 127.0.0.1, where nginx itself
  // connects from, so the address the engine admits shows whether it read x-forwarded-for.
  const through = async (localAddress: string, headers: Record<string, string> = {}) => {
    const mwse = await tlsClient(proxied(), certificate.cert, 'binary', { localAddress, headers });
    clients.push(mwse);
    return mwse;
  };

  beforeAll(async () => {
    certificate = selfSignedCertificate();
    engine = await createEngine({ host: '127.0.0.1', port: 0, transport, trustProxy: 1, maxConnectionsPerAddress: 2 });
    expect(engine.transport).toBe(transport);
    nginx = await startNginx({ upstreamPort: engine.port, certFile: certificate.certFile, keyFile: certificate.keyFile });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(async () => {
    await nginx?.stop();
    await engine?.close();
    certificate?.remove();
  });

  it('carries messages both ways between an SDK client through nginx and one connected directly', async () => {
    const far = await through('127.0.0.3');
    const near = await direct();
    await far.disablePairAuth();
    await near.disablePairAuth();
    const toNear = once(near.peer(far.me.socketId), 'message');
    far.peer(near.me.socketId).send({ via: 'nginx' });
    expect(await toNear).toEqual([{ via: 'nginx' }]);
    const toFar = once(far.peer(near.me.socketId), 'message');
    near.peer(far.me.socketId).send({ via: 'direct' });
    expect(await toFar).toEqual([{ via: 'direct' }]);
  });

  it('answers /healthz and /readyz through nginx (HTTP/1.1 upstream: uWS does not answer 1.0)', async () => {
    expect(await httpsGet(`https://127.0.0.1:${nginx.port}/healthz`, certificate.cert)).toMatchObject({ status: 200 });
    expect((await httpsGet(`https://127.0.0.1:${nginx.port}/readyz`, certificate.cert)).status).toBe(200);
  });

  it('admits the client at the address nginx appended to x-forwarded-for, not one the client wrote', async () => {
    const far = await through('127.0.0.4', { 'x-forwarded-for': '6.6.6.6' });
    const near = await direct();
    expect(engine.hub.peer(far.me.socketId)?.address).toBe('127.0.0.4');
    expect(engine.hub.peer(near.me.socketId)?.address).toBe('127.0.0.1');
  });

  it('counts the per-address cap against the forwarded address', async () => {
    await through('127.0.0.5');
    await through('127.0.0.5', { 'x-forwarded-for': '6.6.6.7' });
    expect(await handshakeStatus(proxied(), certificate.cert, '127.0.0.5')).toBe(429);
    // Another client behind the same proxy has its own count.
    expect(await handshakeStatus(proxied(), certificate.cert, '127.0.0.6')).toBe(101);
  });
});

// The documented timeouts must sit above the ping interval: with pings more frequent than
// proxy_read_timeout an idle WebSocket stays open, without them nginx closes it.
describe.skipIf(skip).each(TRANSPORTS)('nginx timeouts against the engine ping over %s', (transport) => {
  let certificate: SelfSignedCertificate;
  beforeAll(() => {
    certificate = selfSignedCertificate();
  });
  afterAll(() => certificate?.remove());

  it.each([
    ['keeps an idle connection open when pings come more often than proxy_read_timeout', 300, true],
    ['closes an idle connection when they come less often', 60_000, false],
  ])('%s', async (_name, pingInterval, stays) => {
    const engine = await createEngine({ host: '127.0.0.1', port: 0, transport, pingInterval });
    const nginx = await startNginx({
      upstreamPort: engine.port,
      certFile: certificate.certFile,
      keyFile: certificate.keyFile,
      edit: (site) => site.replace(/proxy_(read|send)_timeout 60s;/g, 'proxy_$1_timeout 1s;'),
    });
    const mwse = await tlsClient(`wss://127.0.0.1:${nginx.port}/`, certificate.cert, 'json');
    try {
      let closed = false;
      mwse.on('disconnect', () => (closed = true));
      await new Promise((r) => setTimeout(r, 2500));
      expect(closed).toBe(!stays);
    } finally {
      mwse.close();
      await nginx.stop();
      await engine.close();
    }
  });
});
