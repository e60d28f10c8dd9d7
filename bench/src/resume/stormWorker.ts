import { monitorEventLoopDelay } from 'node:perf_hooks';
import MWSE, { type BackoffOptions } from '@mwse/client';
import WebSocket from 'ws';
import { now } from './clock.js';
import { LeanSocket } from './leanSocket.js';

/**
 * One process holding a share of the storm's SDK clients (forked by resumeStorm.ts; it talks
 * over the IPC channel). Each client's sockets are the SDK's own default (`ws`), subclassed
 * only to stamp when a socket is dialled, opens and gets its first frame (the hello), so one
 * resume splits into: cut → the client sees its socket close → the next socket is dialled (the
 * SDK's first-attempt delay) → open (TCP connect, proxy, upgrade) → hello (the resume frame's
 * round trip through the server) → `reconnect` (the SDK's own handling of the hello). With
 * `socket: 'lean'` the SDK runs on {@link LeanSocket} instead of `ws`.
 */

/** What one client saw during one round, on the shared clock. */
export interface ClientTrace {
  socketId: string;
  down?: number;
  dial?: number;
  open?: number;
  hello?: number;
  reconnect?: number;
  /** Sockets dialled this round (1 when the first attempt resumed). */
  attempts: number;
  resumed?: boolean;
  reason?: string;
}

export type ToWorker =
  | { op: 'open'; endpoint: string; count: number; reconnect: BackoffOptions; roomPrefix: string; roomSize: number; socket: 'ws' | 'lean' }
  | { op: 'pair'; accept: string[] }
  | { op: 'arm' }
  /** Destroy every client's TCP socket at once (no close frame: 1006 on both sides). */
  | { op: 'cut' }
  /** While blocked, every new socket fails at once (the sessions stay away on the server). */
  | { op: 'block' }
  /** Report the round now, with whatever did not come back missing its stamps. */
  | { op: 'report' }
  | { op: 'close' };

export type FromWorker =
  | { op: 'opened'; ids: string[] }
  | { op: 'paired' }
  | { op: 'armed' }
  /** `at`: on the shared clock, just before the first socket was destroyed. */
  | { op: 'cut'; at: number; count: number; tookMs: number }
  | { op: 'blocked' }
  | { op: 'round'; traces: ClientTrace[]; eventLoopDelayMaxMs: number; eventLoopDelayP99Ms: number };

const sdks: MWSE[] = [];
let traces: (ClientTrace | undefined)[] = [];
let pending = 0;
/** Each client's newest socket; both socket classes keep their TCP socket as `_socket`. */
type Cuttable = { _socket?: { destroy(): void } };
const current: Cuttable[] = [];
let blocked = false;
const delay = monitorEventLoopDelay({ resolution: 5 });

const send = (message: FromWorker) => process.send!(message);

/** A socket class of the shape the SDK takes (`ws`'s, or {@link LeanSocket}). */
type Handler = ((event: any) => void) | null;
interface TimedBase {
  get onopen(): Handler;
  set onopen(fn: Handler);
  get onmessage(): Handler;
  set onmessage(fn: Handler);
}
type SocketClass = new (url: string) => TimedBase;

/**
 * `Base` stamping the steps of client `i`'s current round: the handlers the SDK sets are
 * wrapped, so each stamp is taken just before the SDK's own handler runs.
 */
function timedSocket(i: number, Base: SocketClass): SocketClass {
  return class TimedSocket extends Base {
    #first = true;
    constructor(url: string) {
      if (blocked) throw new Error('blocked');
      super(url);
      current[i] = this as unknown as Cuttable;
      const trace = traces[i];
      if (trace) {
        trace.attempts += 1;
        trace.dial ??= now();
      }
    }
    override get onopen() {
      return super.onopen;
    }
    override set onopen(fn) {
      super.onopen = fn && ((event: unknown) => {
        const t = traces[i];
        if (t) t.open = now();
        fn(event);
      });
    }
    override get onmessage() {
      return super.onmessage;
    }
    override set onmessage(fn) {
      super.onmessage = fn && ((event: unknown) => {
        if (this.#first) {
          this.#first = false;
          const t = traces[i];
          if (t) t.hello = now();
        }
        fn(event);
      });
    }
  };
}

function finishRound(): void {
  const done = traces as ClientTrace[];
  traces = [];
  send({ op: 'round', traces: done, eventLoopDelayMaxMs: delay.max / 1e6, eventLoopDelayP99Ms: delay.percentile(99) / 1e6 });
}

process.on('message', async (message: ToWorker) => {
  switch (message.op) {
    case 'open': {
      const { endpoint, count, reconnect, roomPrefix, roomSize } = message;
      const Base = (message.socket === 'lean' ? LeanSocket : WebSocket) as unknown as SocketClass;
      // Under a bridge's bound of 64 pending approvals: a refused first attempt rejects scope().
      for (let i = 0; i < count; i += 50) {
        const batch = Array.from({ length: Math.min(50, count - i) }, (_, j) => {
          const sdk = new MWSE({ endpoint, reconnect, WebSocket: timedSocket(i + j, Base) as never });
          // Attempts refused while the proxy blocks are reported as `error` events; expected here.
          sdk.on('error', () => {});
          return sdk;
        });
        sdks.push(...batch);
        await Promise.all(batch.map((sdk) => sdk.scope()));
      }
      sdks.forEach((sdk, i) => {
        sdk.on('disconnect', () => {
          const t = traces[i];
          if (t) t.down ??= now();
        });
        sdk.on('reconnect', (outcome: { resumed: boolean; reason?: string }) => {
          const t = traces[i];
          if (!t || t.reconnect !== undefined) return;
          t.reconnect = now();
          t.resumed = outcome.resumed;
          if (outcome.reason !== undefined) t.reason = outcome.reason;
          pending -= 1;
          if (pending === 0) finishRound();
        });
      });
      for (let i = 0; i < count; i += roomSize) {
        const group = sdks.slice(i, i + roomSize);
        await group[0]!.room({ name: `${roomPrefix}-${i}`, joinType: 'free' }).createRoom();
        await Promise.all(group.slice(1).map((sdk) => sdk.room(`${roomPrefix}-${i}`).join()));
      }
      await Promise.all(sdks.map((sdk, i) => sdk.me.info.set('n', i)));
      send({ op: 'opened', ids: sdks.map((sdk) => sdk.me.socketId) });
      break;
    }
    case 'pair':
      await Promise.all(sdks.map((sdk, i) => sdk.peer(message.accept[i]!).acceptPair()));
      send({ op: 'paired' });
      break;
    case 'arm':
      traces = sdks.map((sdk) => ({ socketId: sdk.me.socketId, attempts: 0 }));
      pending = sdks.length;
      delay.reset();
      delay.enable();
      send({ op: 'armed' });
      break;
    case 'cut': {
      const at = now();
      let count = 0;
      for (const socket of current) {
        const tcp = socket._socket;
        if (tcp) {
          tcp.destroy();
          count += 1;
        }
      }
      send({ op: 'cut', at, count, tookMs: now() - at });
      break;
    }
    case 'block':
      blocked = true;
      send({ op: 'blocked' });
      break;
    case 'report':
      if (pending > 0) {
        pending = 0;
        finishRound();
      }
      break;
    case 'close':
      for (const sdk of sdks) sdk.close();
      process.exit(0);
  }
});
