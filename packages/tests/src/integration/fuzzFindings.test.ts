import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CloseCode } from '@mwse/protocol';
import { DOCUMENTED_CLOSE_CODES } from './fuzz/FuzzSocket.js';
import { ServerProcess } from './fuzz/ServerProcess.js';
import { RawClient, TRANSPORTS, settle, withTimeout } from './harness.js';
import { HttpStub, sendJson } from './httpStub.js';

/**
 * What the live-socket fuzz suite (fuzz.test.ts) broke, one small case each, against the real
 * server process: a crash shows as the process gone, a handler failure as a stack trace on its
 * stderr. Each test is named after what broke.
 */

/** JSON nested `depth` arrays deep: past what JSON.stringify can write back (about 4 000 here). */
const deep = (depth = 5000) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

const running: ServerProcess[] = [];
const stubs: HttpStub[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
  await Promise.all(stubs.splice(0).map((s) => s.close()));
});

async function start(transport: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const server = await ServerProcess.start({ MWSE_TRANSPORT: transport, ...env });
  running.push(server);
  return server;
}

/** A bridge approver giving each connection the `user` of its query as identity. */
async function identities(): Promise<HttpStub> {
  const stub = await new HttpStub((request, res) => {
    const user = new URLSearchParams(String(request.json?.query ?? '')).get('user');
    sendJson(res, 200, user ? { allow: true, identity: user } : { allow: true });
  }).start();
  stubs.push(stub);
  return stub;
}

async function raw(server: ServerProcess, query = ''): Promise<RawClient> {
  const client = new RawClient(new WebSocket(`${server.url}/${query}`));
  await client.next('hello');
  return client;
}

/** Lines of the server's stderr that are stack frames or handler failures. */
const traces = (server: ServerProcess) => server.stderr().split('\n').filter((l) => /^\s+at /.test(l) || l.includes('handler failed'));

describe.each(TRANSPORTS)('what the fuzz suite broke, over %s', (transport) => {
  it('a 5000-level info value is refused with a clear error, not a handler failure', async () => {
    const server = await start(transport);
    const c = await raw(server);
    c.send(`{"type":"info/set","id":1,"key":"k","value":${deep()}}`);
    const error = await c.next('error');
    expect(error.code).not.toBe('internal');
    expect(traces(server)).toEqual([]);
  });

  it('a 5000-level signal/to data outside the SDK key order is refused, not a handler failure', async () => {
    const server = await start(transport);
    const target = await raw(server);
    target.send({ type: 'session/set', id: 1, flags: { pairauth: false } });
    await target.next('result');
    const c = await raw(server);
    // `to` before `type`: not the JSON fast path, so the full decoder and the handler see it.
    c.send(`{"to":"${target.socketId}","type":"signal/to","data":${deep()}}`);
    await settle(300);
    expect(c.frames.filter((f) => f.type === 'error' && f.code === 'internal')).toEqual([]);
    expect(traces(server)).toEqual([]);
  });

  it('a stored notification with 5000-level data does not crash the server when its identity connects', async () => {
    const stub = await identities();
    const server = await start(transport, { BRIDGE_APPROVE_URL: `${stub.url}/approve` });
    const sender = await raw(server, '?user=alice');
    sender.send(`{"type":"notify/send","id":1,"identity":"bob","title":"hi","data":${deep()}}`);
    await sender.next('error').catch(() => undefined);
    await raw(server, '?user=bob').catch(() => undefined);
    await settle(300);
    expect(server.alive(), server.stderr()).toBe(true);
  });

  it('a room whose members leave at once while their queues overflow does not crash leave()', async () => {
    const server = await start(transport, { MWSE_OUTBOUND_BUFFER: '4' });
    const members = await Promise.all(Array.from({ length: 16 }, () => raw(server)));
    for (const m of members) {
      m.send({ type: 'room/create', id: 1, name: 'crowd', ifexistsJoin: true });
      await m.next('result');
    }
    for (const m of members) m.ws.terminate();
    await settle(500);
    expect(server.alive(), server.stderr()).toBe(true);
  });

  it('a frame over maxMessageSize is closed with 1009 even while writes to the socket are queued', async () => {
    const server = await start(transport, { MWSE_MAX_MESSAGE_SIZE: String(64 * 1024) });
    const sender = await raw(server);
    const slow = await raw(server);
    slow.send({ type: 'session/set', id: 1, flags: { pairauth: false } });
    await slow.next('result');
    const socket = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause(); // the server's writes to `slow` pile up in its socket
    for (let i = 0; i < 100; i++) sender.send({ type: 'pack/to', to: slow.socketId, pack: 'z'.repeat(60_000) });
    await settle(300);
    socket.resume();
    slow.ws.send('o'.repeat(64 * 1024 + 10));
    expect(await withTimeout(slow.closed, 5000, 'close')).toBe(1009);
  });

  it('a text frame that is not UTF-8 is closed with 1007 on ws, dropped on uws, the server unharmed', async () => {
    const server = await start(transport);
    const c = await raw(server);
    c.ws.send(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), { binary: false });
    const code = await withTimeout(c.closed, 5000, 'close');
    // uWebSockets.js checks UTF-8 itself and drops the connection without a close frame.
    expect(code).toBe(transport === 'uws' ? 1006 : CloseCode.InvalidPayload);
    const other = await raw(server);
    other.send({ type: 'room/list', id: 1 });
    expect(await other.next('result')).toMatchObject({ id: 1 });
  });

  it('room/pack to a binary member of a room named with 128 bytes of UTF-8 reads back, and 129+ bytes is refused (the length byte wrapped past 255)', async () => {
    const server = await start(transport);
    const sender = await raw(server);
    sender.send({ type: 'room/create', id: 9, name: '😀'.repeat(64) }); // 256 bytes
    expect(await sender.next('error')).toMatchObject({ id: 9, code: 'bad-frame' });
    const room = '😀'.repeat(32); // 128 bytes, the limit
    sender.send({ type: 'room/create', id: 1, name: room });
    await sender.next('result');
    const ws = new WebSocket(`${server.url}/?codec=binary`);
    const hello = new Promise<void>((resolve) => ws.once('message', () => resolve()));
    const binary = new Promise<Buffer>((resolve) => ws.on('message', (data, isBinary) => isBinary && resolve(data as Buffer)));
    await hello;
    const joined = new Promise<void>((resolve) => ws.on('message', (data, isBinary) => !isBinary && String(data).includes('"id":2') && resolve()));
    ws.send(JSON.stringify({ type: 'room/join', id: 2, name: room }));
    await joined;
    sender.send({ type: 'pack/room', room, pack: { hi: 1 } });
    const { decodeServerBinary } = await import('@mwse/protocol/binary');
    const frame = decodeServerBinary(new Uint8Array(await withTimeout(binary, 2000, 'room/pack')));
    ws.terminate();
    expect({ room: frame?.room, from: frame?.from, payload: frame?.payload }).toEqual({ room, from: sender.socketId, payload: '{"hi":1}' });
  });

  it('a notify/reply with 5000-level data does not make the bridge inbox drain fail', async () => {
    const server = await start(transport, { BRIDGE_INBOX: '1' });
    const key = ((await (await fetch(`${server.httpUrl}/api/auth/key`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"domain":"fuzz.example"}' })).json()) as { key: string }).key;
    const sender = await raw(server);
    const recipient = await raw(server);
    recipient.send({ type: 'session/set', id: 1, flags: { pairauth: false } });
    await recipient.next('result');
    sender.send({ type: 'notify/send', id: 2, to: recipient.socketId, title: 'hi' });
    const { nid } = (await recipient.next('notify')) as unknown as { nid: string };
    sender.ws.terminate(); // the reply goes only to the bridge
    await settle(100);
    recipient.send({ type: 'notify/reply', id: 3, nid, action: 'ok', data: 1 });
    await recipient.next('result');
    recipient.send(`{"type":"notify/reply","id":4,"nid":"${nid}","action":"ok","data":${deep()}}`);
    await settle(200);
    const drained = await fetch(`${server.httpUrl}/api/bridge/inbox`, { method: 'POST', headers: { 'x-api-key': key } });
    expect(drained.status).toBe(200);
    expect(((await drained.json()) as { events: unknown[] }).events.length).toBeGreaterThanOrEqual(1);
  });
});
