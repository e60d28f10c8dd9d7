import { connect as tcpConnect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { spawnCli, type CliProcess } from './testing/spawnCli.js';
import { freePort } from '@mwse/testkit/net';

const STARTUP = /^mwse-server (\d+\.\d+\.\d+\S*) listening on ws:\/\/127\.0\.0\.1:(\d+) \(transport: (uws|ws)\)$/;
const PAGE_LINE = /^mwse-server open (http:\/\/127\.0\.0\.1:(\d+)\/) in a browser \(demos: (\S+)\)$/;

const running: CliProcess[] = [];
function start(env: Record<string, string>, args?: string[]): CliProcess {
  const cli = spawnCli({ MWSE_HOST: '127.0.0.1', MWSE_PORT: '0', ...env }, args);
  running.push(cli);
  return cli;
}
afterEach(() => {
  for (const cli of running.splice(0)) cli.child.kill('SIGKILL');
});


/** Open a WebSocket and wait for the server's first frame (the hello), so the peer is registered. */
async function connect(port: number): Promise<WebSocket> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}`);
  await new Promise<void>((resolve, reject) => {
    socket.once('message', () => resolve());
    socket.once('error', reject);
  });
  return socket;
}

/** Complete a WebSocket handshake over raw TCP, then never read or answer anything again. */
async function silentWebSocket(port: number) {
  const socket = tcpConnect(port, '127.0.0.1');
  socket.write(
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('data', (chunk: Buffer) =>
      chunk.toString('latin1').startsWith('HTTP/1.1 101') ? resolve() : reject(new Error(chunk.toString())),
    );
    socket.once('error', reject);
  });
  socket.pause();
  return socket;
}

describe('mwse-server CLI', () => {
  it.each(['uws', 'ws', 'auto'])('prints the start-up line naming version, address and transport, then the page URL (%s)', async (transport) => {
    const cli = start({ MWSE_TRANSPORT: transport });
    const [line, version, port, runs] = await cli.line(STARTUP);
    const [pageLine, pageUrl, pagePort, demos] = await cli.line(PAGE_LINE);
    expect(version).toBe('0.1.0');
    expect(Number(port)).toBeGreaterThan(0);
    expect(runs).toBe(transport === 'ws' ? 'ws' : 'uws');
    expect(pagePort).toBe(port);
    expect(demos).toBe(`${pageUrl}demos/`);
    expect(cli.stdout().trim().split('\n')).toEqual([line, pageLine]);
  });

  it('prints a page URL that opens the landing page, with the demos behind it (regression: "/" was a bare Not Found, the line only ws://)', async () => {
    const cli = start({});
    const [, pageUrl, , demos] = await cli.line(PAGE_LINE);
    const landing = await fetch(pageUrl!);
    expect(landing.status).toBe(200);
    expect(await landing.text()).toContain('href="/demos/chat.html"');
    expect((await fetch(demos!)).status).toBe(200);
  });

  it('honours --port and --transport over the environment', async () => {
    const cli = start({ MWSE_TRANSPORT: 'uws' }, ['--port', '0', '--transport', 'ws']);
    const [, , , runs] = await cli.line(STARTUP);
    expect(runs).toBe('ws');
  });

  it.each([
    ['MWSE_PORT', 'seventy'],
    ['MWSE_HOST', 'no such host!'],
    ['MWSE_PING_INTERVAL', '10 seconds'],
    ['MWSE_SHUTDOWN_TIMEOUT', 'never'],
    ['MWSE_MAX_MESSAGE_SIZE', '-1'],
    ['MWSE_OUTBOUND_BUFFER', '0'],
    ['MWSE_TRANSPORT', 'tcp'],
    ['MWSE_PUBLIC_DIR', '/nonexistent/mwse-public'],
    ['MWSE_ALLOWED_ORIGINS', 'example.com'],
    ['MWSE_ROOMS_NETWORK', '10.0.0.0/24'],
    ['BRIDGE_APPROVE_URL', 'ftp://example.com/approve'],
    ['MWSE_BRIDGE_SECRET', 'short'],
  ])('exits 1 naming %s when it is %s', async (variable, value) => {
    const cli = start({ [variable]: value });
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toContain(variable);
    expect(cli.stderr()).not.toMatch(/\n\s+at /); // no stack trace
    expect(cli.stdout()).toBe('');
  });

  it('hands the capability variables to the engine (origins, info limits, admin token)', async () => {
    const cli = start({
      MWSE_ALLOWED_ORIGINS: 'https://app.example.com',
      MWSE_MAX_INFO_KEYS: '3',
      MWSE_ADMIN_TOKEN: 'admin-token-0123456789',
    });
    const [, , port] = await cli.line(STARTUP);
    const url = `ws://127.0.0.1:${port}`;
    const refused = await new Promise<number>((resolve) => {
      const socket = new WebSocket(url, { origin: 'https://evil.example.com' });
      socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.once('open', () => resolve(101));
    });
    expect(refused).toBe(403);
    const socket = new WebSocket(url, { origin: 'https://app.example.com' });
    const hello = await new Promise<{ limits: { maxInfoKeys: number } }>((resolve, reject) => {
      socket.once('message', (data) => resolve(JSON.parse(String(data))));
      socket.once('error', reject);
    });
    expect(hello.limits.maxInfoKeys).toBe(3);
    socket.close();
    const minted = await fetch(`http://127.0.0.1:${port}/api/auth/key`, {
      method: 'POST',
      headers: { authorization: 'Bearer wrong-token-0123456789', 'content-type': 'application/json' },
      body: JSON.stringify({ domain: 'example.com' }),
    });
    // Loopback may mint without a token, but a wrong one is still refused.
    expect(minted.status).toBe(403);
  });

  it('exits 1 on an unknown flag, and 0 for --help', async () => {
    const bad = start({}, ['--prot', '1']);
    expect(await bad.exited).toBe(1);
    expect(bad.stderr()).toContain('--prot');
    const help = start({}, ['--help']);
    expect(await help.exited).toBe(0);
    expect(help.stdout()).toContain('MWSE_PORT');
  });

  // The first binds a fixed port, as a deployed server does: uWS shares a port bound that way.
  it.each([
    ['uws', 'uws'],
    ['ws', 'ws'],
    ['ws', 'uws'],
    ['uws', 'ws'],
  ])(
    'exits 1 naming MWSE_PORT when the port is taken, the same on both transports (%s first, then %s; regression: uWS shared it)',
    async (firstTransport, secondTransport) => {
      const port = String(await freePort());
      const first = start({ MWSE_TRANSPORT: firstTransport, MWSE_PORT: port });
      await first.line(STARTUP);
      const second = start({ MWSE_TRANSPORT: secondTransport, MWSE_PORT: port });
      const listening = second.line(STARTUP).then(() => 'listening', () => 'not listening');
      expect(await Promise.race([second.exited, listening])).toBe(1);
      expect(second.stderr()).toBe(
        `mwse-server: cannot listen on 127.0.0.1:${port}: the port is already in use ` +
          '(is another server running there? set MWSE_PORT to a free port)\n',
      );
      expect(second.stdout()).toBe('');
    },
  );

  it.each(['uws', 'ws'])('on SIGTERM closes clients with 1001 and exits 0 within the timeout (%s)', async (transport) => {
    const cli = start({ MWSE_TRANSPORT: transport, MWSE_SHUTDOWN_TIMEOUT: '3s' });
    const [, , port] = await cli.line(STARTUP);
    const sockets = await Promise.all([connect(Number(port)), connect(Number(port))]);
    const closes = sockets.map((s) => new Promise<number>((resolve) => s.once('close', (code) => resolve(code))));
    const sent = Date.now();
    cli.child.kill('SIGTERM');
    expect(await Promise.all(closes)).toEqual([1001, 1001]);
    expect(await cli.exited).toBe(0);
    expect(Date.now() - sent).toBeLessThan(3_000 + 500);
  });

  it('exits 0 when the timeout passes while a client never answers the close', async () => {
    const cli = start({ MWSE_SHUTDOWN_TIMEOUT: '1s' });
    const [, , port] = await cli.line(STARTUP);
    const stubborn = await silentWebSocket(Number(port));
    const sent = Date.now();
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    expect(Date.now() - sent).toBeLessThan(1_000 + 1_000);
    stubborn.destroy();
  });

  it('on SIGINT exits 0 even with no client connected', async () => {
    const cli = start({ MWSE_SHUTDOWN_TIMEOUT: '2s' });
    await cli.line(STARTUP);
    const sent = Date.now();
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
    expect(Date.now() - sent).toBeLessThan(2_500);
  });
});
