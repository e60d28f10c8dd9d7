import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { BareRelay, type BarePeer } from './relay/BareRelay.js';
import { WsBatcher, type WsBatchQueue } from './relay/WsBatcher.js';
import { serve } from './serve.js';

/**
 * Bare `ws` JSON relay: parse, route, stringify. argv[2] picks how it sends:
 * - default: `send()` per message, the way most ws code is written (each frame its own writev);
 * - `batched`: per-target queues flushed once per turn with the TCP socket corked, the technique
 *   the MWSE ws transport uses. The baselines for the MWSE-on-ws target.
 */
interface Peer extends BarePeer {
  ws: WebSocket;
  queue: WsBatchQueue;
}

const batched = process.argv[2] === 'batched';
const batcher = new WsBatcher();
const relay = new BareRelay<Peer>((to, data) => {
  if (to.closed) return;
  if (batched) batcher.push(to.queue, data);
  else to.ws.send(data);
});

const http = createServer();
const wss = new WebSocketServer({ server: http, perMessageDeflate: false, clientTracking: false });
wss.on('connection', (ws) => {
  const peer: Peer = { id: BareRelay.newId(), closed: false, ws, queue: batcher.queue(ws) };
  relay.open(peer);
  ws.on('message', (data: Buffer) => relay.json(peer, data.toString('utf8')));
  ws.on('close', () => {
    peer.queue.closed = true;
    relay.close(peer);
  });
  ws.on('error', () => ws.terminate());
});
http.listen(0, '127.0.0.1', () => {
  const address = http.address();
  serve(typeof address === 'object' && address ? address.port : 0);
});
