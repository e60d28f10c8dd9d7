import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { BinaryKind, decodeServerBinary, encodeClientBinary, type ServerBinaryFrame } from '@mwse/protocol/binary';
import { TRANSPORTS, endpointOf, settle, useServer, withTimeout } from './harness.js';

type Received = { json?: Record<string, unknown>; binary?: ServerBinaryFrame };

/** A raw client that may ask for the binary framing and records both kinds of frame. */
async function connect(url: string, binary: boolean) {
  const ws = new WebSocket(binary ? `${url}/?codec=binary` : url);
  const frames: Received[] = [];
  let socketId = '';
  const waiters: (() => void)[] = [];
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) frames.push({ binary: decodeServerBinary(new Uint8Array(data)) });
    else {
      const json = JSON.parse(data.toString()) as Record<string, unknown>;
      if (json.type === 'hello') socketId = json.socketId as string;
      // A server that keeps sessions acks what it applied; that is not what these tests watch.
      else if (json.type !== 'session/ack') frames.push({ json });
    }
    for (const w of waiters.splice(0)) w();
  });
  await new Promise<void>((resolve) => waiters.push(resolve));
  const next = async (): Promise<Received> => {
    if (frames.length === 0) await withTimeout(new Promise<void>((r) => waiters.push(r)), 2000, 'a frame');
    return frames.shift()!;
  };
  const json = (frame: object) => ws.send(JSON.stringify(frame));
  const disablePairAuth = async () => {
    json({ type: 'session/set', id: 1, flags: { pairauth: false } });
    expect((await next()).json).toMatchObject({ type: 'result', id: 1 });
  };
  return { ws, frames, next, json, disablePairAuth, get id() { return socketId; } };
}

describe.each(TRANSPORTS)('binary framing over %s', (transport) => {
  const { state } = useServer(transport);
  const url = () => endpointOf(state.engine);

  it('routes a binary pack/to to a binary peer with the payload bytes untouched', async () => {
    const a = await connect(url(), true);
    const b = await connect(url(), true);
    await b.disablePairAuth();
    const payload = '{"text":"merhaba","n":[1,2,3]}';
    a.ws.send(encodeClientBinary(BinaryKind.Pack, b.id, payload));
    expect((await b.next()).binary).toMatchObject({ kind: BinaryKind.Pack, from: a.id, payload });
    a.ws.close();
    b.ws.close();
  });

  it('turns a binary pack into JSON for a JSON peer, and JSON into binary for a binary peer', async () => {
    const bin = await connect(url(), true);
    const text = await connect(url(), false);
    await bin.disablePairAuth();
    await text.disablePairAuth();
    bin.ws.send(encodeClientBinary(BinaryKind.Pack, text.id, '{"a":1}'));
    expect((await text.next()).json).toEqual({ pack: { a: 1 }, type: 'pack', from: bin.id });
    text.json({ type: 'pack/to', to: bin.id, pack: { b: 2 } });
    expect((await bin.next()).binary).toMatchObject({ kind: BinaryKind.Pack, from: text.id, payload: '{"b":2}' });
    bin.ws.close();
    text.ws.close();
  });

  it('cannot forge "from" or "type" for a JSON peer through a crafted payload', async () => {
    const attacker = await connect(url(), true);
    const victim = await connect(url(), false);
    await victim.disablePairAuth();
    attacker.ws.send(encodeClientBinary(BinaryKind.Pack, victim.id, '1,"from":"server","type":"notify"'));
    const got = (await victim.next()).json!;
    expect(got.from).toBe(attacker.id);
    expect(got.type).toBe('pack');
    attacker.ws.close();
    victim.ws.close();
  });

  it('keeps pair-auth: a binary pack to a peer that has not accepted is dropped', async () => {
    const a = await connect(url(), true);
    const b = await connect(url(), true);
    a.ws.send(encodeClientBinary(BinaryKind.Pack, b.id, '"blocked"'));
    await settle();
    expect(b.frames).toEqual([]);
    a.ws.send(encodeClientBinary(BinaryKind.Request, b.id, '"q"', 9));
    expect((await a.next()).json).toMatchObject({ type: 'error', id: 9, code: 'not-paired' });
    a.ws.close();
    b.ws.close();
  });

  it('carries a request and its answers (body and error) between binary and JSON peers', async () => {
    const asker = await connect(url(), true);
    const answerer = await connect(url(), false);
    await answerer.disablePairAuth();
    asker.ws.send(encodeClientBinary(BinaryKind.Request, answerer.id, '{"q":1}', 41));
    expect((await answerer.next()).json).toEqual({ body: { q: 1 }, type: 'request', id: 41, from: asker.id });
    answerer.json({ type: 'response/to', id: 41, to: asker.id, body: 'yes' });
    expect((await asker.next()).binary).toMatchObject({ kind: BinaryKind.Response, id: 41, error: false, payload: '"yes"' });
    // a response nobody asked for is ignored
    answerer.json({ type: 'response/to', id: 41, to: asker.id, body: 'again' });
    asker.ws.send(encodeClientBinary(BinaryKind.Request, answerer.id, '2', 42));
    await answerer.next();
    answerer.json({ type: 'response/to', id: 42, to: asker.id, error: { code: 'no-handler', message: 'none' } });
    expect((await asker.next()).binary).toMatchObject({ id: 42, error: true, payload: '{"code":"no-handler","message":"none"}' });
    asker.ws.close();
    answerer.ws.close();
  });

  it('fans a binary room message out to members of both codecs', async () => {
    const sender = await connect(url(), true);
    const bin = await connect(url(), true);
    const text = await connect(url(), false);
    sender.json({ type: 'room/create', id: 1, name: `lan-${transport}` });
    await sender.next();
    for (const c of [bin, text]) {
      c.json({ type: 'room/join', id: 2, name: `lan-${transport}` });
      await c.next();
    }
    await settle(50);
    for (const c of [sender, bin, text]) c.frames.length = 0; // join notices
    sender.ws.send(encodeClientBinary(BinaryKind.RoomPack, `lan-${transport}`, '"hi all"'));
    expect((await bin.next()).binary).toMatchObject({ kind: BinaryKind.RoomPack, room: `lan-${transport}`, from: sender.id, payload: '"hi all"' });
    expect((await text.next()).json).toEqual({ pack: 'hi all', type: 'room/pack', room: `lan-${transport}`, from: sender.id });
    await settle();
    expect(sender.frames).toEqual([]);
    for (const c of [sender, bin, text]) c.ws.close();
  });

  // The name's 261 UTF-8 bytes wrapped to 5 in the length byte: binary members read the room as
  // "lobby", the next byte ('$' = 36) as the sender's length and the next 36 bytes as the sender.
  const wrappingName = (forged: string) => `lobby$${forged}"${'€'.repeat(72)}ab`;

  it('refuses a crafted 261-byte room name everywhere, and no member sees a forged room or sender', async () => {
    const attacker = await connect(url(), false);
    const victim = await connect(url(), true);
    const lobby = await connect(url(), true);
    const name = wrappingName(lobby.id);
    expect(name.length).toBeLessThanOrEqual(128);
    lobby.json({ type: 'room/create', id: 1, name: 'lobby' });
    expect((await lobby.next()).json).toMatchObject({ type: 'result', id: 1 });
    attacker.json({ type: 'room/create', id: 2, name });
    const refused = (await attacker.next()).json!;
    expect(refused).toMatchObject({ type: 'error', id: 2, code: 'bad-frame' });
    expect(String(refused.issues)).toMatch(/room name is 261 UTF-8 bytes; at most 128/);
    victim.json({ type: 'room/join', id: 3, name });
    expect((await victim.next()).json).toMatchObject({ type: 'error', id: 3, code: 'bad-frame' });
    attacker.json({ type: 'pack/room', room: name, pack: 'forged' });
    expect((await attacker.next()).json).toMatchObject({ type: 'error', code: 'bad-frame' });
    // A binary header cannot hold 261 bytes; one claiming more than 128 is refused as well.
    const bytes = new TextEncoder().encode(name).subarray(0, 200);
    attacker.ws.send(Buffer.concat([Buffer.from([BinaryKind.RoomPack, bytes.length]), bytes, Buffer.from('"forged"')]));
    expect((await attacker.next()).json).toMatchObject({ type: 'error', code: 'too-large' });
    await settle();
    expect([...victim.frames, ...lobby.frames]).toEqual([]);
    for (const c of [attacker, victim, lobby]) c.ws.close();
  });

  it('carries a 128-byte room name of 4-byte code points through both codecs exactly', async () => {
    const name = `${'😀'.repeat(31)}ğü`;
    expect(new TextEncoder().encode(name).length).toBe(128);
    const sender = await connect(url(), true);
    const bin = await connect(url(), true);
    const text = await connect(url(), false);
    sender.json({ type: 'room/create', id: 1, name });
    expect((await sender.next()).json).toMatchObject({ type: 'result', id: 1 });
    for (const c of [bin, text]) {
      c.json({ type: 'room/join', id: 2, name });
      expect((await c.next()).json).toMatchObject({ type: 'result', id: 2 });
    }
    await settle(50);
    for (const c of [sender, bin, text]) c.frames.length = 0; // join notices
    sender.ws.send(encodeClientBinary(BinaryKind.RoomPack, name, '{"n":1}'));
    expect((await bin.next()).binary).toEqual({ kind: BinaryKind.RoomPack, room: name, from: sender.id, id: 0, error: false, payload: '{"n":1}' });
    expect((await text.next()).json).toEqual({ pack: { n: 1 }, type: 'room/pack', room: name, from: sender.id });
    text.json({ type: 'pack/room', room: name, pack: 2 });
    expect((await bin.next()).binary).toMatchObject({ room: name, from: text.id, payload: '2' });
    expect((await sender.next()).binary).toMatchObject({ room: name, from: text.id, payload: '2' });
    for (const c of [sender, bin, text]) c.ws.close();
  });

  it('answers the right request when a JSON requester uses an id past 32 bits with a binary answerer', async () => {
    const asker = await connect(url(), false);
    const answerer = await connect(url(), true);
    await answerer.disablePairAuth();
    const big = 2 ** 32 + 5;
    asker.json({ type: 'request/to', id: big, to: answerer.id, body: 'big' });
    asker.json({ type: 'request/to', id: 5, to: answerer.id, body: 'small' });
    // The big id cannot go in a u32 header: it arrives as JSON, with the id intact.
    expect((await answerer.next()).json).toEqual({ type: 'request', id: big, from: asker.id, body: 'big' });
    expect((await answerer.next()).binary).toMatchObject({ kind: BinaryKind.Request, id: 5, payload: '"small"' });
    answerer.json({ type: 'response/to', id: big, to: asker.id, body: 'for big' });
    answerer.ws.send(encodeClientBinary(BinaryKind.Response, asker.id, '"for small"', 5));
    const answers = [(await asker.next()).json, (await asker.next()).json];
    expect(answers).toContainEqual({ type: 'response', id: big, from: answerer.id, body: 'for big' });
    expect(answers).toContainEqual({ body: 'for small', type: 'response', id: 5, from: answerer.id });
    asker.ws.close();
    answerer.ws.close();
  });

  it('answers a broken binary header with an error frame and stays up', async () => {
    const c = await connect(url(), true);
    c.ws.send(Buffer.from([BinaryKind.Request, 1, 0]));
    expect((await c.next()).json).toMatchObject({ type: 'error', code: 'bad-frame' });
    c.ws.send(Buffer.from([BinaryKind.Pack, 200]));
    expect((await c.next()).json).toMatchObject({ type: 'error' });
    c.json({ type: 'peer/reachable', id: 5, peer: c.id });
    expect((await c.next()).json).toMatchObject({ type: 'result', id: 5, data: true });
    c.ws.close();
  });
});
