import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Connection } from '../generator/Connection.js';
import { openConnections } from '../generator/openConnections.js';
import { makePack } from '../generator/payload.js';
import { probeDirect } from '../generator/probe.js';
import { StampedFrame, readStamp, stampNow, stampedPack } from '../generator/stamps.js';
import { dialectFor, pairUp, type Topology } from './topology.js';

/*
 * One process of the one-way latency generator (forked by oneWayLatency.ts, spoken to over IPC
 * with the advanced serialization, so samples come back as a typed array). It holds a share of
 * the pairs, each with one end on each node, and sends open loop at its share of the rate, in
 * both directions, every frame stamped as it goes out (stamps.ts); each delivered frame's delay
 * is its arrival on the shared clock minus its stamp.
 */

export type ToLatencyWorker =
  | { op: 'open'; ports: number[]; pairs: number; resume: Topology['resume'] }
  | { op: 'run'; rate: number; warmupMs: number; durationMs: number }
  | { op: 'close' };

export interface LatencyShare {
  /** One-way delays of the frames delivered in the window, in ms. */
  samples: Float64Array;
  sent: number;
  /** Frames delivered in the window (stamped or not). */
  received: number;
  /** Frames sent in the window, and how late each tick's oldest due frame left, in ms. */
  sentInWindow: number;
  lagMs: Float64Array;
  /** This process's event loop delay over the window. */
  loopDelayP99Ms: number;
  windowSeconds: number;
}

export type FromLatencyWorker = { op: 'opened' } | ({ op: 'done' } & LatencyShare) | { op: 'failed'; message: string };

const send = (message: FromLatencyWorker) => process.send!(message);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The largest frame the dialect's keep-alives and the server's session acks take (decoded, not timed). */
const KEEP_UP_TO = 48;

/** Directed routes: each pair both ways. */
let routes: { from: Connection; frame: StampedFrame }[] = [];
let conns: Connection[] = [];

async function open(ports: number[], pairs: number, resume: Topology['resume']): Promise<void> {
  const dialect = dialectFor({ resume });
  const sides = await Promise.all(ports.map((port) => openConnections(port, dialect, ports.length === 1 ? 2 * pairs : pairs)));
  conns = sides.flat();
  const pack = makePack();
  routes = [];
  for (const [i, [a, b]] of pairUp(sides, pairs).entries()) {
    // A real delivery each way first: counting cannot tell a delivery from an error frame.
    await probeDirect(dialect, a, b, pack);
    await probeDirect(dialect, b, a, pack);
    routes.push({ from: a, frame: new StampedFrame(dialect.packTo(b.id, stampedPack()) as string) }, { from: b, frame: new StampedFrame(dialect.packTo(a.id, stampedPack()) as string) });
    if (i === 0) {
      await stampRoundTrip(a, b, routes[0]!.frame);
      await stampRoundTrip(b, a, routes[1]!.frame);
    }
  }
}

/** One stamped frame through the server, its stamp read back from the delivery's bytes as the timed path reads it. */
async function stampRoundTrip(from: Connection, to: Connection, frame: StampedFrame): Promise<void> {
  const stamp = stampNow();
  const arrived = to.waitFor((msg) => readStamp(Buffer.from(msg)) === stamp);
  from.write(frame.fill(1, stamp));
  await arrived;
}

async function run(rate: number, warmupMs: number, durationMs: number): Promise<LatencyShare> {
  const capacity = Math.ceil((rate * durationMs) / 1000 * 1.5) + 10_000;
  const samples = new Float64Array(capacity);
  const lagMs = new Float64Array(Math.ceil(durationMs * 1.5) + 1000);
  let taken = 0;
  let received = 0;
  let recording = false;
  for (const conn of conns) {
    conn.stampOnly(KEEP_UP_TO, (sent) => {
      if (!recording) return;
      received++;
      if (sent >= 0 && taken < capacity) samples[taken++] = (stampNow() - sent) / 1000;
    });
  }
  const delay = monitorEventLoopDelay({ resolution: 5 });
  const start = performance.now();
  let sent = 0;
  let sentAtWindow = 0;
  let lags = 0;
  let cursor = 0;
  const perRoute = new Int32Array(routes.length);
  // Open loop: each tick sends what is due by now, spread over the routes in turn.
  const timer = setInterval(() => {
    const elapsed = performance.now() - start;
    const due = Math.floor((elapsed / 1000) * rate) - sent;
    if (due <= 0) return;
    if (recording && lags < lagMs.length) lagMs[lags++] = elapsed - (sent / rate) * 1000;
    perRoute.fill(0);
    for (let k = 0; k < due; k++, cursor = (cursor + 1) % routes.length) perRoute[cursor]!++;
    for (let r = 0; r < routes.length; r++) {
      const n = perRoute[r]!;
      if (n > 0) routes[r]!.from.write(routes[r]!.frame.fill(n, stampNow()));
    }
    sent += due;
  }, 1);
  await sleep(warmupMs);
  recording = true;
  sentAtWindow = sent;
  delay.enable();
  const windowStart = performance.now();
  await sleep(durationMs);
  recording = false;
  const windowSeconds = (performance.now() - windowStart) / 1000;
  delay.disable();
  clearInterval(timer);
  return {
    samples: samples.subarray(0, taken),
    sent,
    received,
    sentInWindow: sent - sentAtWindow,
    lagMs: lagMs.subarray(0, lags),
    loopDelayP99Ms: delay.percentile(99) / 1e6,
    windowSeconds,
  };
}

process.on('message', (message: ToLatencyWorker) => {
  const fail = (error: unknown) => send({ op: 'failed', message: String((error as Error)?.stack ?? error) });
  if (message.op === 'open') open(message.ports, message.pairs, message.resume).then(() => send({ op: 'opened' }), fail);
  else if (message.op === 'run') run(message.rate, message.warmupMs, message.durationMs).then((share) => send({ op: 'done', ...share }), fail);
  else {
    for (const conn of conns) conn.close();
    process.exit(0);
  }
});
// Never outlive the runner.
process.on('disconnect', () => process.exit(0));
