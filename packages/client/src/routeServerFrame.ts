import type { ServerFrame, ServerFrameOf } from '@mwse/protocol';
import type { MWSE } from './MWSE.js';
import { MWSEError } from './MWSEError.js';
import type { Peer } from './Peer.js';
import type { PendingCalls } from './PendingCalls.js';
import type { Room } from './Room.js';
import type { PairEvent } from './Wire.js';

/** What the router needs from the client. */
export interface RouterContext {
  readonly client: MWSE;
  readonly calls: PendingCalls;
  peer(socketId: string): Peer;
  room(name: string): Room;
  deliverRequest(frame: ServerFrameOf<'request'>): void;
  deliverNotification(frame: ServerFrameOf<'notify'>): void;
  firePair(event: PairEvent, peer: Peer): void;
  /** `peer` left: its pairing is over. */
  forgetPair(peer: Peer): void;
  /** A refusal that no call waits for (a `pack/room` the server refused). */
  reportError(error: MWSEError): void;
}

const pairEvents = {
  'pair/request': 'request/pair',
  'pair/accepted': 'accepted/pair',
  'pair/ended': 'end/pair',
} as const satisfies Record<string, PairEvent>;

function errorOf(frame: ServerFrameOf<'error'>): MWSEError {
  return new MWSEError(frame.code, frame.message, frame.issues ? { issues: frame.issues } : {});
}

/**
 * Turns one server frame (after the hello) into settled calls and events. Frame types this SDK does
 * not know are ignored, so a newer server may add some.
 */
export function routeServerFrame(frame: ServerFrame, ctx: RouterContext): void {
  const { client, calls } = ctx;
  switch (frame.type) {
    case 'result':
      calls.resolve(frame.id, frame.data);
      return;
    case 'error':
      // An error for an unknown id answers a call that already timed out: nobody waits for it.
      if (frame.id === undefined) ctx.reportError(errorOf(frame));
      else calls.reject(frame.id, errorOf(frame));
      return;
    case 'response':
      if (frame.error) calls.reject(frame.id, new MWSEError(frame.error.code, frame.error.message));
      else calls.resolve(frame.id, frame.body);
      return;
    case 'request':
      ctx.deliverRequest(frame);
      return;
    case 'pack': {
      const peer = ctx.peer(frame.from);
      peer.emit('message', frame.pack);
      client.emit('message', frame.pack, peer);
      return;
    }
    case 'signal':
      ctx.peer(frame.from).emit('signal', frame.data);
      return;
    case 'pair/request':
    case 'pair/accepted':
    case 'pair/ended':
      ctx.firePair(pairEvents[frame.type], ctx.peer(frame.from));
      return;
    case 'peer/disconnect': {
      // Fail the requests first, so a `disconnect` listener sees them already settled.
      calls.rejectTo(frame.peer);
      const peer = ctx.peer(frame.peer);
      peer.markGone();
      ctx.forgetPair(peer);
      peer.emit('disconnect');
      client.emit('peer/disconnect', peer);
      return;
    }
    case 'peer/info': {
      const peer = ctx.peer(frame.from);
      peer.emit('info', frame.key, frame.value);
      client.emit('peer/info', peer, frame.key, frame.value);
      return;
    }
    case 'broadcast/started':
    case 'broadcast/ended':
    case 'broadcast/viewers':
      ctx.room(frame.room).emit('broadcast/frame', frame);
      return;
    case 'room/pack':
    case 'room/presence':
    case 'room/audience':
    case 'room/closed':
    case 'room/joined':
    case 'room/left':
    case 'room/owner':
    case 'room/info':
    case 'room/subnet':
      ctx.room(frame.room).receive(frame);
      return;
    case 'room/invited': {
      const room = ctx.room(frame.room);
      room.receive(frame);
      client.emit('room/invited', room, ctx.peer(frame.from));
      return;
    }
    case 'room/ejected': {
      const room = ctx.room(frame.room);
      room.receive(frame);
      client.emit('room/ejected', room, ctx.peer(frame.by));
      return;
    }
    case 'notify':
      ctx.deliverNotification(frame);
      return;
    case 'notify/reply': {
      const { nid, action, data, fromIdentity } = frame;
      const reply = { nid, action, data, peer: ctx.peer(frame.from) };
      client.emit(
        'notification/reply',
        fromIdentity === undefined ? reply : { ...reply, fromIdentity },
      );
      return;
    }
    default:
      return;
  }
}
