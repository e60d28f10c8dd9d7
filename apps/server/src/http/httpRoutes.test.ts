import { describe, expect, it } from 'vitest';
import { rawRequest } from '../testing/rawRequest.js';
import { SECRET } from '../testing/siteFixture.js';
import { useSiteServer } from '../testing/siteServer.js';

// Same routes over both transports: the HTTP handler must not depend on which one accepted it.
describe.each(['uws', 'ws'] as const)('HTTP routes over %s', (transport) => {
  const served = useSiteServer(transport);
  const get = (path: string, method?: string) => rawRequest(served.server.port, path, method);

  it('runs the transport asked for', () => {
    expect(served.server.transport).toBe(transport);
  });

  it('redirects /sdk.js to /sdk/index.js with 301', async () => {
    const res = await get('/sdk.js');
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe('/sdk/index.js');
  });

  it('serves the shipped demo pages at /demos/', async () => {
    const res = await get('/demos/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('MWSE demos');
    expect((await get('/demos/../package.json')).status).not.toBe(200);
  });

  it('serves /sdk/index.js as JavaScript', async () => {
    const res = await get('/sdk/index.js');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.body).toContain('class MWSE');
  });

  it.each([
    ['/', 'text/html; charset=utf-8', 'home'],
    ['/index.html', 'text/html; charset=utf-8', 'home'],
    ['/style.css', 'text/css; charset=utf-8', 'color'],
    ['/data.json', 'application/json; charset=utf-8', '"ok"'],
    ['/status.xml', 'application/xml; charset=utf-8', '<status>'],
    ['/docs/', 'text/html; charset=utf-8', 'docs'],
    ['/docs/page.txt', 'text/plain; charset=utf-8', 'a page'],
    ['/alias.txt', 'text/plain; charset=utf-8', 'a page'],
    ['/%64ocs/page%2Etxt', 'text/plain; charset=utf-8', 'a page'],
  ])('serves %s as %s', async (path, type, text) => {
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(type);
    expect(res.body).toContain(text);
  });

  it('redirects a folder without its trailing slash', async () => {
    const res = await get('/docs?x=1');
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe('/docs/');
  });

  it('builds folder redirects from the checked path, so `//host` cannot redirect off-site', async () => {
    const res = await get('//docs');
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe('/docs/');
  });

  it('answers HEAD like GET, without a body', async () => {
    const res = await get('/style.css', 'HEAD');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(res.body).toBe('');
  });

  it.each(['POST', 'PUT', 'DELETE', 'PATCH'])('refuses %s with 405 and allow', async (method) => {
    expect((await get('/index.html', method)).status).toBe(405);
    expect((await get('/index.html', method)).headers.allow).toBe('GET, HEAD');
    for (const path of ['/sdk/index.js', '/sdk.js']) {
      const res = await get(path, method);
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('GET, HEAD, OPTIONS');
    }
  });

  it.each(['/missing.txt', '/sdk/missing.js', '/docs/missing/', '/.env', '//etc/passwd'])(
    'answers 404 for %s',
    async (path) => {
      expect((await get(path)).status).toBe(404);
    },
  );

  it.each([
    '/../package.json',
    '/../secret.txt',
    '/docs/../../secret.txt',
    '/%2e%2e/package.json',
    '/%2E%2E/secret.txt',
    '/..%2fpackage.json',
    '/docs%2f..%2f..%2fsecret.txt',
    '/..%5csecret.txt',
    '/..\\secret.txt',
    '/sdk/../../secret.txt',
    '/sdk/%2e%2e/%2e%2e/secret.txt',
    '/secret.txt%00.html',
    '/escape/secret.txt',
    '/escape/',
    '/leak.txt',
    '/%zz',
  ])('refuses the traversal attempt %s', async (path) => {
    const res = await get(path);
    expect([400, 404]).toContain(res.status);
    expect(res.body).not.toContain(SECRET);
  });
});
