import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { spawnCli, type CliProcess } from '../testing/spawnCli.js';

const STARTUP = /listening on ws:\/\/127\.0\.0\.1:(\d+) \(transport: (uws|ws)\)$/;

const running: CliProcess[] = [];
afterEach(() => {
  for (const cli of running.splice(0)) cli.child.kill('SIGKILL');
});

async function started(env: Record<string, string>): Promise<{ cli: CliProcess; port: number }> {
  const cli = spawnCli({ MWSE_HOST: '127.0.0.1', MWSE_PORT: '0', ...env });
  running.push(cli);
  const [, port] = await cli.line(STARTUP);
  return { cli, port: Number(port) };
}

/** The JSON lines the server logged to stderr so far. */
function logLines(cli: CliProcess): Record<string, unknown>[] {
  return cli
    .stderr()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function waitFor(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(['uws', 'ws'])('server logs over %s', (transport) => {
  it('at debug, logs connects, refused frames and disconnects as JSON lines on stderr', async () => {
    const { cli, port } = await started({ MWSE_TRANSPORT: transport, MWSE_LOG_LEVEL: 'debug', MWSE_LOG_FORMAT: 'json' });
    const ws = new WebSocket(`ws://127.0.0.1:${port}`);
    await new Promise((resolve) => ws.once('message', resolve));
    ws.send('{"type":');
    await new Promise((resolve) => ws.once('message', resolve));
    ws.close();
    await waitFor(() => logLines(cli).some((l) => l.msg === 'disconnected'), 'the disconnect line');
    const lines = logLines(cli);
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['connected', 'refused a frame', 'disconnected']));
    expect(lines.find((l) => l.msg === 'connected')).toMatchObject({ level: 20, name: 'mwse', address: '127.0.0.1' });
    expect(lines.find((l) => l.msg === 'refused a frame')).toMatchObject({ code: 'bad-frame' });
  });

  it('at the default level, logs none of that, and a flood of one message is rate-limited', async () => {
    const { cli, port } = await started({ MWSE_TRANSPORT: transport, MWSE_LOG_FORMAT: 'json', MWSE_RATE_LIMIT: '10', MWSE_RATE_BURST: '1' });
    // Twenty sockets each pushed past the rate limit: the same warning twenty times.
    const sockets = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}`);
        await new Promise((resolve) => ws.once('message', resolve));
        return ws;
      }),
    );
    for (const ws of sockets) for (let i = 0; i < 5; i++) ws.send('{"type":"room/list","id":1}');
    await Promise.all(sockets.map((ws) => new Promise((resolve) => ws.once('close', resolve))));
    await waitFor(() => logLines(cli).length >= 10, 'the warnings');
    await new Promise((r) => setTimeout(r, 200));
    const lines = logLines(cli);
    expect(lines.every((l) => l.msg === 'closed for going on past the rate limit' && l.level === 40)).toBe(true);
    expect(lines).toHaveLength(10);
  });
});
