import type { Connection } from './Connection.js';
import { textOf, type Dialect } from './Dialect.js';

/**
 * Socket.IO 4 spoken over the raw socket: engine.io v4 packets ("0" open, "2"/"3" ping/pong,
 * "4" message) carrying socket.io packets ("0" connect, "2" event, "3" ack), so the generator
 * costs the same per message as with the other servers. Events are `[name, ...args]` arrays;
 * an ack id sits between the packet type and the array (`421[...]` → `431[...]`).
 */
export const socketIoDialect: Dialect = {
  name: 'socket.io',
  path: '/socket.io/?EIO=4&transport=websocket',
  // The server's engine.io ping is the one-byte message "2".
  keepAliveBytes: 1,

  // Connected to the default namespace, a Socket.IO socket takes direct traffic: nothing more to do.
  greet: (conn) => socketIoDialect.hello(conn),

  async hello(conn) {
    conn.intercept = (msg) => {
      if (msg !== '2') return false;
      conn.send('3');
      return true;
    };
    await conn.waitFor((m) => typeof m === 'string' && m.startsWith('0{'));
    const connected = conn.waitFor((m) => typeof m === 'string' && m.startsWith('40'));
    conn.send('40');
    const { sid } = JSON.parse(textOf(await connected).slice(2)) as { sid?: string };
    if (!sid) throw new Error('socket.io connect without sid');
    return sid;
  },

  async joinRoom(conn, room) {
    const ack = conn.waitFor((m) => typeof m === 'string' && m.startsWith('431['));
    conn.send(`421${JSON.stringify(['room/join', room])}`);
    await ack;
  },

  packTo: (to, pack) => `42["pack/to","${to}",${pack}]`,
  packRoom: (room, pack) => `42["pack/room","${room}",${pack}]`,
  isDelivery(msg, from, room) {
    const text = textOf(msg);
    return room === undefined ? text.startsWith(`42["pack","${from}",`) : text.startsWith(`42["room/pack","${room}","${from}",`);
  },
  requestTo: (id, to, body) => `42${id}["request/to","${to}",${body}]`,

  readRequest(msg) {
    const text = textOf(msg);
    const m = /^42(\d+)\["request",/.exec(text);
    if (!m) return undefined;
    const [, , body] = JSON.parse(text.slice(2 + m[1]!.length)) as [string, string, unknown];
    return { answer: `43${m[1]}${JSON.stringify([body])}` };
  },

  readResponse(msg) {
    const text = textOf(msg);
    const m = /^43(\d+)\[/.exec(text);
    if (!m) return undefined;
    const [body] = JSON.parse(text.slice(2 + m[1]!.length)) as [unknown];
    return { id: Number(m[1]), body };
  },
};
