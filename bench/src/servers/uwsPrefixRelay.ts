import { BareRelay, type BarePeer } from './relay/BareRelay.js';
import { UwsBatcher, type BatchQueue } from './relay/UwsBatcher.js';
import { listenUws } from './relay/listenUws.js';
import { route, splice } from './relay/prefixRouter.js';
import { serve } from './serve.js';

/**
 * Bare uWebSockets.js relay that routes `pack/to` and `pack/room` on their text prefix and
 * splices the sender's id in front of the untouched pack bytes: no UTF-8 decode, no JSON, no
 * string, batched like the JSON relay. Set-up frames still go through the JSON path.
 */
interface Peer extends BarePeer {
  queue: BatchQueue;
  /** `{"type":"pack","from":"<id>","pack":`, built once. */
  packHead: Buffer;
}

const batcher = new UwsBatcher();
const relay = new BareRelay<Peer>((to, data) => batcher.push(to.queue, data));

function relayPacks(from: Peer, data: Buffer): boolean {
  const r = route(data);
  if (!r) return false;
  if (r.kind === 'to') {
    const target = relay.peers.get(r.target);
    if (target) batcher.push(target.queue, splice(from.packHead, data, r.packAt));
    return true;
  }
  const members = relay.rooms.get(r.room);
  if (!members?.has(from)) return true;
  const out = splice(Buffer.from(`{"type":"room/pack","room":"${r.room}","from":"${from.id}","pack":`), data, r.packAt);
  for (const member of members) if (member !== from) batcher.push(member.queue, out);
  return true;
}

const port = await listenUws<{ peer?: Peer }>({
  open(ws) {
    const id = BareRelay.newId();
    const packHead = Buffer.from(`{"type":"pack","from":"${id}","pack":`);
    const peer: Peer = { id, closed: false, queue: batcher.queue(ws), packHead };
    ws.getUserData().peer = peer;
    relay.open(peer);
  },
  message(ws, message) {
    const peer = ws.getUserData().peer;
    if (!peer) return;
    // A view, not a copy: the bytes are read (and copied into the outbound frame) right here.
    const data = Buffer.from(message);
    if (!relayPacks(peer, data)) relay.json(peer, data.toString('utf8'));
  },
  close(ws) {
    const peer = ws.getUserData().peer;
    if (!peer) return;
    peer.queue.closed = true;
    relay.close(peer);
  },
});
serve(port);
