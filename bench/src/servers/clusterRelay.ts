import { Redis } from 'ioredis';
import { DELIVER_LUA, packFrames, readDelivery } from '../cluster/deliverScript.js';
import { BareRelay, type BarePeer } from './relay/BareRelay.js';
import { UwsBatcher, type BatchQueue } from './relay/UwsBatcher.js';
import { listenUws } from './relay/listenUws.js';
import { route, splice } from './relay/prefixRouter.js';
import { serve } from './serve.js';

/*
 * One node of the cluster spike (docs/cluster.md, "Spike"): the bare uWS prefix relay, engine
 * shaped (per-target queues flushed once per turn in one cork, `pack/to` routed on its prefix),
 * with its sessions in Redis. Usage: clusterRelay <nodeId> <redisUrl>|local.
 *
 * A frame for a peer of this node is queued here at once; any other goes into the turn's batch,
 * sent as ONE deliver script call per event-loop turn (split past MAX_FRAMES_PER_CALL), which
 * checks the target's owner and pair-auth in Redis, logs, and publishes once per owner node.
 * Each node subscribes to its own channel and hands what arrives to its local peers.
 */
const [nodeId = 'n1', redisUrl = 'local', inFlightArg = '0'] = process.argv.slice(2);
/**
 * Script calls a node may have outstanding; 0 = no bound (one call per turn, whatever is in
 * flight). With a bound, frames of later turns wait for a call to return and go in the next one:
 * batches grow with the load by themselves, and a quiet node still sends at once.
 */
const MAX_IN_FLIGHT = Number(inFlightArg);
let inFlight = 0;
const PREFIX = 'spike:';
/** Bounds one script's run time (Redis runs nothing else meanwhile). */
const MAX_FRAMES_PER_CALL = 2000;

interface Peer extends BarePeer {
  queue: BatchQueue;
  packHead: Buffer;
  remote?: false;
}
/** A peer of another node (or none): what is sent to it goes through Redis. */
interface RemotePeer extends BarePeer {
  remote: true;
}

const batcher = new UwsBatcher();
const local = new Map<string, Peer>();
const clustered = redisUrl !== 'local';
const redis = clustered ? new Redis(redisUrl, { enableAutoPipelining: false }) : undefined;
const subscriber = clustered ? new Redis(redisUrl) : undefined;
redis?.on('error', (error) => process.stderr.write(`redis: ${error.message}\n`));
subscriber?.on('error', (error) => process.stderr.write(`redis subscriber: ${error.message}\n`));
redis?.defineCommand('deliver', { numberOfKeys: 0, lua: DELIVER_LUA });

const ignore = () => {};

/** Frames for other nodes since the last call. */
let batch: { from: string; to: string; data: Buffer | string }[] = [];
let scheduled = false;

function flushBatch(): void {
  scheduled = false;
  if (MAX_IN_FLIGHT > 0 && inFlight >= MAX_IN_FLIGHT) return;
  const frames = batch;
  batch = [];
  for (let i = 0; i < frames.length; i += MAX_FRAMES_PER_CALL) {
    const part = packFrames(frames.slice(i, i + MAX_FRAMES_PER_CALL));
    inFlight++;
    (redis as unknown as { deliver(prefix: string, frames: Buffer): Promise<[number, number]> })
      .deliver(PREFIX, part)
      .catch((error: Error) => process.stderr.write(`deliver: ${error.message}\n`))
      .finally(() => {
        inFlight--;
        if (batch.length > 0 && !scheduled) flushBatch();
      });
  }
}

function send(from: string, to: BarePeer, data: string | Buffer): void {
  if (!(to as RemotePeer).remote) return batcher.push((to as Peer).queue, data);
  batch.push({ from, to: to.id, data });
  if (!scheduled) {
    scheduled = true;
    setImmediate(flushBatch);
  }
}

/** Local peers by id; with Redis, any other id is a remote peer (the script decides if it exists). */
class Directory extends Map<string, BarePeer> {
  override get(id: string): BarePeer | undefined {
    if (local.has(id)) return local.get(id);
    if (!clustered || id.length !== 36) return undefined;
    const remote: RemotePeer = { id, closed: false, remote: true };
    return remote;
  }
}

let sending: BarePeer | undefined;
const relay = new BareRelay<BarePeer>((to, data) => send(sending!.id, to, data));
(relay as unknown as { peers: Map<string, BarePeer> }).peers = new Directory();

const port = await listenUws<{ peer?: Peer }>({
  open(ws) {
    const id = BareRelay.newId();
    const peer: Peer = { id, closed: false, queue: batcher.queue(ws), packHead: Buffer.from(`{"type":"pack","from":"${id}","pack":`) };
    ws.getUserData().peer = peer;
    local.set(id, peer);
    // Pair-auth on, as MWSE's default; the generator's session/set turns it off.
    redis?.hset(`${PREFIX}s:${id}`, 'node', nodeId, 'auth', '1').catch(ignore);
    sending = peer;
    relay.open(peer);
  },
  message(ws, message) {
    const peer = ws.getUserData().peer;
    if (!peer) return;
    const data = Buffer.from(message);
    const r = route(data);
    if (r?.kind === 'to') {
      const target = relay.peers.get(r.target);
      if (target) send(peer.id, target, splice(peer.packHead, data, r.packAt));
      return;
    }
    const text = data.toString('utf8');
    if (redis && text.startsWith('{"type":"session/set"')) {
      const flags = (JSON.parse(text) as { flags?: { pairauth?: boolean } }).flags;
      if (flags?.pairauth !== undefined) redis.hset(`${PREFIX}s:${peer.id}`, 'auth', flags.pairauth ? '1' : '0').catch(ignore);
    }
    sending = peer;
    relay.json(peer, text);
  },
  close(ws) {
    const peer = ws.getUserData().peer;
    if (!peer) return;
    peer.queue.closed = true;
    local.delete(peer.id);
    // Best effort: at shutdown the connection may already be gone.
    redis?.del(`${PREFIX}s:${peer.id}`, `${PREFIX}q:${peer.id}`).catch(ignore);
    relay.close(peer);
  },
});

if (subscriber) {
  subscriber.on('messageBuffer', (_channel: Buffer, message: Buffer) => {
    for (const [to, frame] of readDelivery(message)) {
      const peer = local.get(to);
      // A copy: the frame is a view of the whole message, which would stay pinned until sent.
      if (peer) batcher.push(peer.queue, Buffer.from(frame));
    }
  });
  await subscriber.subscribe(`${PREFIX}n:${nodeId}`);
}

serve(port, async () => {
  await redis?.quit();
  await subscriber?.quit();
});
