import type { ServerFrameOf, WireData } from '@mwse/protocol';
import type { Hub } from '../Hub.js';
import type { Cluster } from '../cluster/Cluster.js';
import type { Peer } from '../Peer.js';
import type { RawPayload } from '../tunnelEncoding.js';

/** The message in one codec: encoded for the first peer of that codec, and how many got it. */
class Copy {
  data: WireData | undefined;
  peers = 0;

  constructor(readonly binary: boolean) {}
}

/**
 * One room message on its way to the stage and the audience, each peer sent it in its codec.
 * Each codec's copy is encoded once, on the first peer of that codec, and the same data is
 * queued to every peer of that codec (their sessions keep it as their queues write it).
 *
 * On one node every peer's copy is queued as it comes (`Hub.deliver`) and the frames are counted
 * once, by `counted`: a room of 150 counts one frame type and one size, not 149. In cluster mode
 * some peers are ghosts of other nodes' peers, and each goes through `Hub.sendEncoded`.
 */
export class PackFanOut {
  private readonly json: Copy;
  private readonly binary: Copy;
  /** Cluster mode: some peers may be ghosts. */
  private readonly cluster: Cluster | undefined;

  constructor(
    private readonly hub: Hub,
    private readonly frame: ServerFrameOf<'room/pack'>,
    private readonly raw: RawPayload | undefined,
    private readonly sender: Peer,
  ) {
    this.json = new Copy(false);
    this.binary = new Copy(true);
    this.cluster = hub.cluster;
  }

  /** Send the message to each of `peers` but `except`. */
  sendAll(peers: Iterable<Peer>, except?: Peer): void {
    // The loop is here, with `send` its only callee, so that V8 inlines the whole member path
    // into it; inside the room service's handler it did so in some runs and not in others.
    for (const peer of peers) if (peer !== except) this.send(peer);
  }

  private send(peer: Peer): void {
    // Compared rather than tested for truth, as in `Hub.deliver`.
    const copy = peer.binary === true ? this.binary : this.json;
    const data = (copy.data ??= this.encode(copy));
    if (this.cluster !== undefined) {
      this.hub.sendEncoded(peer, data, 'room/pack');
    } else if (!peer.closed) {
      copy.peers += 1;
      this.hub.deliver(peer, data);
    }
  }

  /** Count what `send` queued on this node, once for the whole fan-out. */
  counted(): void {
    const { json, binary } = this;
    if (json.peers > 0) this.hub.metrics.countOut('room/pack', json.peers * json.data!.length, json.peers);
    if (binary.peers > 0) this.hub.metrics.countOut('room/pack', binary.peers * binary.data!.length, binary.peers);
  }

  private encode(copy: Copy): WireData {
    return this.hub.encodeTunnel(this.frame, this.raw, copy.binary, this.sender);
  }
}
