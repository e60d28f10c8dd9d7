import { describe, expect, it } from 'vitest';
import { rawRequest } from '../testing/rawRequest.js';
import { useSiteServer } from '../testing/siteServer.js';

const SDK_FILES = [
  ['/sdk/index.js', 'text/javascript; charset=utf-8'],
  ['/sdk/client/index.js', 'text/javascript; charset=utf-8'],
  ['/sdk/webrtc/index.js', 'text/javascript; charset=utf-8'],
  ['/sdk/studio/index.js', 'text/javascript; charset=utf-8'],
  ['/sdk/studio/style.css', 'text/css; charset=utf-8'],
] as const;

const PAGE_ORIGIN = { origin: 'http://app.example.test' };

describe.each(['uws', 'ws'] as const)('the SDK for pages on other origins, over %s', (transport) => {
  const served = useSiteServer(transport);
  const get = (path: string, method?: string, headers?: Record<string, string>) =>
    rawRequest(served.server.port, path, method, headers);

  it.each(SDK_FILES)('serves %s with access-control-allow-origin: * (regression: cross-origin imports were blocked)', async (path, type) => {
    for (const method of ['GET', 'HEAD']) {
      const res = await get(path, method, PAGE_ORIGIN);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe(type);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    }
  });

  it.each(SDK_FILES)('answers the CORS preflight for %s', async (path) => {
    const res = await get(path, 'OPTIONS', {
      ...PAGE_ORIGIN,
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'x-requested-with, cache-control',
    });
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-methods']).toBe('GET, HEAD, OPTIONS');
    expect(res.headers['access-control-allow-headers']).toBe('x-requested-with, cache-control');
    expect(res.body).toBe('');
  });

  it('does not echo a requested-headers value that is not a list of header names', async () => {
    const res = await get('/sdk/index.js', 'OPTIONS', { 'access-control-request-headers': 'x-a; evil=1' });
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-headers']).toBeUndefined();
  });

  it('sends CORS headers on the /sdk.js redirect (followed in CORS mode) and on a missing SDK file', async () => {
    const moved = await get('/sdk.js', 'GET', PAGE_ORIGIN);
    expect(moved.status).toBe(301);
    expect(moved.headers['access-control-allow-origin']).toBe('*');
    const missing = await get('/sdk/missing.js', 'GET', PAGE_ORIGIN);
    expect(missing.status).toBe(404);
    expect(missing.headers['access-control-allow-origin']).toBe('*');
  });

  it('keeps CORS off the other routes', async () => {
    expect((await get('/index.html', 'GET', PAGE_ORIGIN)).headers['access-control-allow-origin']).toBeUndefined();
    expect((await get('/index.html', 'OPTIONS')).status).toBe(405);
  });
});
