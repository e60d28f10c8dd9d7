import { randomUUID } from 'node:crypto';

/** A connection of a bare relay: its id, and whatever the server keeps for it. */
export interface BarePeer {
  readonly id: string;
  closed: boolean;
}

type Frame = {
  type?: unknown;
  id?: unknown;
  to?: unknown;
  room?: unknown;
  name?: unknown;
  pack?: unknown;
  body?: unknown;
  flags?: unknown;
};

/**
 * The least a relay must do to carry the benchmark's MWSE frames: ids, direct packs, rooms,
 * request/response routing, and `result` answers to set-up frames. No validation, no pair-auth,
 * no bookkeeping beyond that: it is the ceiling MWSE is compared with, not a server to use.
 * `out` hands an encoded message to the server's socket layer (batched or not).
 */
export class BareRelay<P extends BarePeer> {
  readonly peers = new Map<string, P>();
  readonly rooms = new Map<string, Set<P>>();

  constructor(private readonly out: (to: P, data: string) => void) {}

  /** A fresh id the same shape as MWSE's (so frames have the same size). */
  static newId(): string {
    return randomUUID();
  }

  open(peer: P): void {
    this.peers.set(peer.id, peer);
    this.out(peer, `{"type":"hello","server":"bare","socketId":"${peer.id}"}`);
  }

  close(peer: P): void {
    peer.closed = true;
    this.peers.delete(peer.id);
    for (const [name, members] of this.rooms) {
      members.delete(peer);
      if (members.size === 0) this.rooms.delete(name);
    }
  }

  /** Parse one JSON frame, route it, encode what goes out: the work every JSON relay does. */
  json(from: P, text: string): void {
    let f: Frame;
    try {
      f = JSON.parse(text) as Frame;
    } catch {
      return;
    }
    switch (f.type) {
      case 'pack/to': {
        const target = this.peers.get(f.to as string);
        if (target) this.out(target, JSON.stringify({ type: 'pack', from: from.id, pack: f.pack }));
        return;
      }
      case 'pack/room': {
        const members = this.rooms.get(f.room as string);
        if (!members?.has(from)) return;
        const data = JSON.stringify({ type: 'room/pack', room: f.room, from: from.id, pack: f.pack });
        for (const member of members) if (member !== from) this.out(member, data);
        return;
      }
      case 'request/to': {
        const target = this.peers.get(f.to as string);
        if (target) this.out(target, JSON.stringify({ type: 'request', id: f.id, from: from.id, body: f.body }));
        return;
      }
      case 'response/to': {
        const target = this.peers.get(f.to as string);
        if (target) this.out(target, JSON.stringify({ type: 'response', id: f.id, from: from.id, body: f.body }));
        return;
      }
      case 'room/create':
      case 'room/join': {
        const name = f.name as string;
        let members = this.rooms.get(name);
        if (!members) this.rooms.set(name, (members = new Set()));
        members.add(from);
        this.out(from, JSON.stringify({ type: 'result', id: f.id, data: { name } }));
        return;
      }
      case 'session/set':
        this.out(from, JSON.stringify({ type: 'result', id: f.id, data: f.flags }));
        return;
    }
  }
}
