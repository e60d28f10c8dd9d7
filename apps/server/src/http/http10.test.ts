import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { rawRequest } from '../testing/rawRequest.js';
import { useSiteServer } from '../testing/siteServer.js';

/** What came back on one connection, and whether the server closed it within `ms`. */
function http10(port: number, path: string, ms: number): Promise<{ answer: string; closedByServer: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ answer, closedByServer: false });
    }, ms);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ answer, closedByServer: true });
    });
    // What nginx sends with its default proxy_http_version.
    socket.write(`GET ${path} HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  });
}

const ROUTES = [
  ['/healthz', '"status":"ok"'],
  ['/index.html', '<title>home</title>'],
] as const;

describe.each(['uws', 'ws'] as const)('HTTP/1.0 requests over %s', (transport) => {
  const served = useSiteServer(transport);


  if (transport === 'ws') {
    it.each(ROUTES)('answers GET %s and closes the connection', async (path, body) => {
      const { answer, closedByServer } = await http10(served.server.port, path, 2000);
      expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(answer).toContain(body);
      expect(closedByServer).toBe(true);
    });
  } else {
    // uWebSockets.js has refused HTTP/1.0 in its parser since v20.26 (2022); the installed build
    // never hands such a request to the engine, so nothing can answer it. What holds (and what
    // docs/engine.md promises): no answer, the connection closed by uWS's HTTP idle timeout
    // (10 s, checked every 4 s), and HTTP/1.1 served meanwhile. Fails, and the docs need
    // changing, if a newer build answers.
    it('gets no answer, is closed by the server, and HTTP/1.1 keeps working meanwhile', { timeout: 30_000 }, async () => {
      const pending = ROUTES.map(([path]) => http10(served.server.port, path, 25_000));
      for (const [path, body] of ROUTES) {
        const res = await rawRequest(served.server.port, path);
        expect(res.status).toBe(200);
        expect(res.body).toContain(body);
      }
      expect(await Promise.all(pending)).toEqual(ROUTES.map(() => ({ answer: '', closedByServer: true })));
    });
  }
});
