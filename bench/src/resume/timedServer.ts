import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { now } from './clock.js';

/**
 * The storm's server (servers/mwseEngine.ts, same arguments) with the uWebSockets.js callbacks
 * the engine registers wrapped to stamp each resume's steps on the shared clock: the upgrade
 * request parsed, the socket opened (the engine's admission done), the first frame (the
 * `session/resume`) read and handled, and the hello handed to uWS. The engine is not changed:
 * the wrapping happens on the module object it loads (one copy, shared through Node's cache).
 *
 * On `phases <file>` on stdin it writes what it stamped since the last time to `<file>`, keyed
 * by the socketId the resume frame named, with the time spent in each callback in total.
 */
interface SocketStamps {
  upgrade?: number;
  open?: number;
  message?: number;
  handled?: number;
  hello?: number;
}

/** Milliseconds spent inside each kind of callback (the engine's synchronous work). */
const spent: Record<string, number> = { upgrade: 0, open: 0, message: 0, close: 0, count: 0 };
let sockets: Record<string, SocketStamps> = {};

type Callback = (...args: any[]) => unknown;
const timed = (kind: string, fn: Callback): Callback =>
  function (this: unknown, ...args: unknown[]) {
    const started = now();
    try {
      return fn.apply(this, args);
    } finally {
      spent[kind] = (spent[kind] ?? 0) + now() - started;
    }
  };

const require = createRequire(import.meta.url);
const uws = require('uWebSockets.js') as { App: (...args: unknown[]) => any };
const App = uws.App;
uws.App = (...args: unknown[]) => {
  const app = App(...args);
  const ws = app.ws.bind(app);
  app.ws = (pattern: string, behavior: Record<string, Callback>) => {
    const { upgrade, open, message, close } = behavior;
    return ws(pattern, {
      ...behavior,
      upgrade: timed('upgrade', (res: any, req: unknown, context: unknown) => {
        const stamps: SocketStamps = { upgrade: now() };
        const accept = res.upgrade.bind(res);
        res.upgrade = (userData: Record<string, unknown>, ...rest: unknown[]) => {
          userData.stamps = stamps;
          return accept(userData, ...rest);
        };
        return upgrade!(res, req, context);
      }),
      open: timed('open', (socket: any) => {
        const stamps = (socket.getUserData().stamps ?? {}) as SocketStamps;
        stamps.open = now();
        const write = socket.send.bind(socket);
        socket.send = (...args: unknown[]) => {
          if (stamps.message !== undefined && stamps.hello === undefined) stamps.hello = now();
          return write(...args);
        };
        return open!(socket);
      }),
      message: timed('message', (socket: any, data: ArrayBuffer, isBinary: boolean) => {
        const stamps = socket.getUserData().stamps as SocketStamps | undefined;
        if (!stamps || stamps.message !== undefined) return message!(socket, data, isBinary);
        stamps.message = now();
        const text = isBinary ? '' : Buffer.from(data).toString('utf8');
        const result = message!(socket, data, isBinary);
        stamps.handled = now();
        spent.count! += 1;
        const id = /"socketId":"([^"]+)"/.exec(text)?.[1];
        if (id && text.startsWith('{"type":"session/resume"')) sockets[id] = stamps;
        return result;
      }),
      close: timed('close', (socket: any, code: number, reason: ArrayBuffer) => close!(socket, code, reason)),
    });
  };
  return app;
};
// The engine takes uWS only when `App` is the native binding (a JS shim is slower than ws): this
// wrapper answers for the binding it wraps.
uws.App.toString = () => String(App);

createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, file] = line.trim().split(' ');
  if (command !== 'phases' || !file) return;
  writeFileSync(file, JSON.stringify({ sockets, spent }));
  sockets = {};
  for (const key of Object.keys(spent)) spent[key] = 0;
});

await import('../servers/mwseEngine.js');
