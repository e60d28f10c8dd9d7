import { Room, type MWSE, type Peer } from '@mwse/client';
import { RTCEngine, type ConnectOptions, type RTCEngineContext } from './RTCEngine.js';
import { RoomBroadcast } from './RoomBroadcast.js';

declare module '@mwse/client' {
  interface Peer {
    /**
     * WebRTC with this peer (`@mwse/webrtc`), made on first use. Present on every peer once
     * `attachRTC(mwse)` ran; the server's `/sdk/index.js` does that for you.
     */
    readonly rtc: RTCEngine;
  }
  interface Room {
    /**
     * Publish and watch through the server's media server, in a broadcast room (`@mwse/webrtc`,
     * docs/broadcast.md). Present once `attachRTC(mwse)` ran; `/sdk/index.js` does that for you.
     */
    readonly broadcast: RoomBroadcast;
  }
}

const broadcasts = new WeakMap<Room, RoomBroadcast>();

function installRoomGetter(): void {
  const prototype = Room.prototype as object;
  if (Object.prototype.hasOwnProperty.call(prototype, 'broadcast')) return;
  Object.defineProperty(prototype, 'broadcast', {
    configurable: true,
    enumerable: false,
    get(this: Room) {
      let broadcast = broadcasts.get(this);
      if (!broadcast) {
        broadcast = new RoomBroadcast(this);
        broadcasts.set(this, broadcast);
      }
      return broadcast;
    },
  });
}

interface Attached {
  context: RTCEngineContext;
  engines: Set<RTCEngine>;
}

const clients = new WeakMap<MWSE, Attached>();
/** Live clients, to find the owner of a peer that existed before `attachRTC` ran. */
const live = new Set<MWSE>();
const owners = new WeakMap<Peer, MWSE>();
const engines = new WeakMap<Peer, RTCEngine>();

function report(mwse: MWSE, error: unknown): void {
  const failure = error instanceof Error ? error : new Error(String(error));
  if (mwse.listenerCount('error') > 0) mwse.emit('error', failure);
  else console.error('MWSE rtc:', failure);
}

function ownerOf(peer: Peer): MWSE | undefined {
  const known = owners.get(peer);
  if (known) return known;
  // mwse.peer(id) gives back the very object when that client made it.
  for (const mwse of live) {
    if (mwse.peer(peer.socketId) === peer) {
      owners.set(peer, mwse);
      return mwse;
    }
  }
  return undefined;
}

function engineOf(peer: Peer): RTCEngine {
  const existing = engines.get(peer);
  if (existing) return existing;
  if (peer.isMe || peer.socketId === 'server') {
    throw new TypeError('peer.rtc: WebRTC needs another peer, not yourself or the server');
  }
  const mwse = ownerOf(peer);
  const attached = mwse && clients.get(mwse);
  if (!attached) throw new Error("peer.rtc: call attachRTC(mwse) for this peer's client first");
  const engine = new RTCEngine(peer, attached.context);
  engines.set(peer, engine);
  // Tracked while it has a connection, so a lost client connection can close it.
  engine.on('state', (state) => {
    if (state === 'closed') attached.engines.delete(engine);
    else attached.engines.add(engine);
  });
  return engine;
}

/** Gives every `Peer` (of this prototype: one copy of `@mwse/client`) a lazy `rtc` getter. */
function installGetter(prototype: object): void {
  if (Object.prototype.hasOwnProperty.call(prototype, 'rtc')) return;
  Object.defineProperty(prototype, 'rtc', {
    configurable: true,
    enumerable: false,
    get(this: Peer) {
      return engineOf(this);
    },
  });
}

/**
 * Gives every peer of `mwse` its WebRTC engine as `peer.rtc` (peers that exist now and every peer
 * made later), with `defaults` under each `connect()`. Engines are made on first use of `peer.rtc`,
 * so peers that never call stay as light as before. When the client's own connection drops and its
 * session is resumed, calls go on untouched (signalling written meanwhile follows the resume);
 * when the session is lost (`reconnect {resumed: false}`, or no session was kept, or the client
 * closes), open calls close (`close` with `signalling-lost`): the other side sees this client leave.
 * Calling it again for the same client only updates `defaults`.
 *
 * Not needed with the server's `/sdk/index.js`, whose `MWSE` does it in its constructor.
 *
 * @example
 * import MWSE from '@mwse/client';
 * import { attachRTC, MediaSources } from '@mwse/webrtc';
 *
 * const mwse = attachRTC(new MWSE({ endpoint: 'wss://example.com' }), { iceServers: [{ urls: 'stun:stun.example.com' }] });
 * mwse.on('accepted/pair', async (peer) => {
 *   peer.rtc.connect();
 *   peer.rtc.addStream('cam', await MediaSources.cameraAndMic());
 * });
 */
export function attachRTC<T extends MWSE>(mwse: T, defaults: ConnectOptions = {}): T {
  const known = clients.get(mwse);
  if (known) {
    known.context.defaults = { ...defaults };
    return mwse;
  }
  const attached: Attached = {
    context: {
      me: () => mwse.me.socketId,
      defaults: { ...defaults },
      report: (error) => report(mwse, error),
    },
    engines: new Set(),
  };
  clients.set(mwse, attached);
  live.add(mwse);
  installGetter(Object.getPrototypeOf(mwse.me) as object);
  installRoomGetter();
  mwse.on('peer', (peer) => owners.set(peer, mwse));
  const dropAll = () => {
    for (const engine of [...attached.engines]) engine.abort('signalling-lost');
  };
  // A drop the server keeps the session through (docs/sessions.md) is not the end of a call: the
  // media flows peer to peer, and signalling written meanwhile is sent once the session is back.
  // Only a drop that starts a new session, or none, loses the signalling.
  mwse.on('disconnect', (info) => {
    if (!info.resuming) dropAll();
  });
  mwse.on('reconnect', (outcome) => {
    if (!outcome.resumed) dropAll();
  });
  mwse.on('close', () => {
    dropAll();
    live.delete(mwse);
  });
  return mwse;
}
