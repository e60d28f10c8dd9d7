import type { Connection } from './Connection.js';
import { textOf, type Dialect } from './Dialect.js';

type Frame = Record<string, unknown> & { type?: string; id?: number };

function parse(text: string): Frame {
  try {
    return JSON.parse(text) as Frame;
  } catch {
    return {};
  }
}

function isAnswer(id: number) {
  return (msg: string | Buffer) => {
    if (typeof msg !== 'string' || !msg.includes(`"id":${id}`)) return false;
    const f = parse(msg);
    return (f.type === 'result' || f.type === 'error') && f.id === id;
  };
}

async function ask(conn: Connection, frame: Frame & { id: number }): Promise<void> {
  const answer = conn.waitFor(isAnswer(frame.id));
  conn.send(JSON.stringify(frame));
  const f = parse(textOf(await answer));
  if (f.type === 'error') throw new Error(`server refused ${frame.type}: ${String(f.message)}`);
}

/** Wait for the hello and read the socket id from it. */
export async function helloMwse(conn: Connection): Promise<string> {
  const hello = parse(textOf(await conn.waitFor((m) => typeof m === 'string' && m.startsWith('{"type":"hello"'))));
  if (typeof hello.socketId !== 'string') throw new Error('hello without socketId');
  return hello.socketId;
}

/** Turn pair-auth off (MWSE has it on by default), so direct traffic needs no pairing. */
export async function allowDirect(conn: Connection): Promise<void> {
  await ask(conn, { type: 'session/set', id: 1, flags: { pairauth: false } });
}

/** The hello, then turn pair-auth off. */
export async function greetMwse(conn: Connection): Promise<string> {
  const id = await helloMwse(conn);
  await allowDirect(conn);
  return id;
}

export async function joinMwseRoom(conn: Connection, room: string): Promise<void> {
  await ask(conn, { type: 'room/create', id: 2, name: room, joinType: 'free', ifexistsJoin: true });
}

/**
 * The MWSE JSON protocol (docs/protocol.md), which the bare relays speak too. Pair-auth is on by
 * default in MWSE, so each connection turns it off first: otherwise every `pack/to` would be
 * dropped. The bare relays just answer that frame.
 */
export const mwseDialect: Dialect = {
  name: 'mwse',
  path: '/',
  keepAliveBytes: 0,
  hello: helloMwse,
  greet: greetMwse,
  joinRoom: joinMwseRoom,

  packTo: (to, pack) => `{"type":"pack/to","to":"${to}","pack":${pack}}`,
  packRoom: (room, pack) => `{"type":"pack/room","room":"${room}","pack":${pack}}`,

  isDelivery(msg, from, room) {
    const f = parse(textOf(msg));
    return room === undefined
      ? f.type === 'pack' && f.from === from
      : f.type === 'room/pack' && f.room === room && f.from === from;
  },

  requestTo: (id, to, body) => `{"type":"request/to","id":${id},"to":"${to}","body":${body}}`,

  readRequest(msg) {
    const f = parse(textOf(msg));
    if (f.type !== 'request') return undefined;
    return { answer: JSON.stringify({ type: 'response/to', id: f.id, to: f.from, body: f.body }) };
  },

  readResponse(msg) {
    const f = parse(textOf(msg));
    return f.type === 'response' && typeof f.id === 'number' ? { id: f.id, body: f.body } : undefined;
  },
};
