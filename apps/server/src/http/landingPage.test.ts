import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { startServer, type RunningServer } from '../startServer.js';
import { rawRequest } from '../testing/rawRequest.js';
import { useSiteServer } from '../testing/siteServer.js';
import { VERSION } from '../version.js';

describe.each(['uws', 'ws'] as const)('a fresh install, public folder without index.html, over %s', (transport) => {
  let emptyPublic: string;
  let server: RunningServer;
  const get = (path: string, method?: string) => rawRequest(server.port, path, method);

  beforeAll(async () => {
    emptyPublic = mkdtempSync(join(tmpdir(), 'mwse-empty-public-'));
    server = await startServer({ ...loadConfig({ MWSE_STORE: 'memory' }), host: '127.0.0.1', port: 0, transport, publicDir: emptyPublic });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(emptyPublic, { recursive: true, force: true });
  });

  it('answers / with a landing page linking the demos, Studio, docs, /healthz and /metrics (regression: a bare "Not Found")', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    for (const link of ['/demos/', '/demos/chat.html', '/demos/studio.html', '/healthz', '/metrics', '/sdk/index.js', 'https://www.npmjs.com/package/@mwse/client']) {
      expect(res.body).toContain(`href="${link}"`);
    }
    expect(res.body).toContain(`server ${VERSION}`);
    expect(res.body).toContain('<link rel="icon" href="/favicon.svg"');
    const head = await get('/', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it.each(['/favicon.ico', '/favicon.svg'])('serves an icon at %s (regression: the demos logged a 404 for it)', async (path) => {
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
    expect(res.body).toMatch(/^<svg /);
  });

  it('still answers 404 for anything else the folder lacks', async () => {
    expect((await get('/index.html')).status).toBe(404);
    expect((await get('/docs/favicon.ico')).status).toBe(404);
  });

  it('links the icon from every demo page, so none asks for a missing one', async () => {
    for (const page of ['index.html', 'chat.html', 'audio.html', 'video.html', 'studio.html']) {
      expect((await get(`/demos/${page}`)).body).toContain('<link rel="icon" href="/favicon.svg"');
    }
  });
});

describe.each(['uws', 'ws'] as const)("the public folder's own files over %s", (transport) => {
  const served = useSiteServer(transport, (site) => writeFileSync(join(site.publicDir, 'favicon.ico'), 'own icon'));

  it('win over the landing page and the built-in icon', async () => {
    expect((await rawRequest(served.server.port, '/')).body).toContain('<title>home</title>');
    const icon = await rawRequest(served.server.port, '/favicon.ico');
    expect(icon.headers['content-type']).toBe('image/x-icon');
    expect(icon.body).toBe('own icon');
  });
});
