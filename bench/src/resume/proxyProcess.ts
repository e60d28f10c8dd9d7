import { CutProxy } from '@mwse/testkit/cut-proxy';
import { now } from './clock.js';

/**
 * The storm's cutting TCP proxy in a process of its own (forked by resumeStorm.ts), so its
 * copying and its 2,000 socket closes and opens a round are neither charged to the clients nor
 * to the server, and its CPU is read apart from theirs.
 */
export type ToProxy = { op: 'start'; upstream: number } | { op: 'cut' } | { op: 'block'; blocked: boolean } | { op: 'count' } | { op: 'stop' };
export type FromProxy =
  | { op: 'started'; port: number }
  /** `at`: on the shared clock, just before the first leg was destroyed; `tookMs`: destroying them all. */
  | { op: 'cut'; at: number; count: number; tookMs: number }
  | { op: 'blocked' }
  | { op: 'count'; open: number };

let proxy: CutProxy | undefined;
const send = (message: FromProxy) => process.send!(message);

process.on('message', async (message: ToProxy) => {
  switch (message.op) {
    case 'start':
      proxy = await new CutProxy(message.upstream).start();
      send({ op: 'started', port: proxy.port });
      break;
    case 'cut': {
      const at = now();
      const count = proxy!.cutAll();
      send({ op: 'cut', at, count, tookMs: now() - at });
      break;
    }
    case 'block':
      proxy!.blocked = message.blocked;
      send({ op: 'blocked' });
      break;
    case 'count':
      send({ op: 'count', open: proxy!.open });
      break;
    case 'stop':
      await proxy?.stop();
      process.exit(0);
  }
});
