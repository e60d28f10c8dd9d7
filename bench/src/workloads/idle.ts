import { memoryUsage } from 'node:process';
import type { Connection } from '../generator/Connection.js';
import type { Dialect } from '../generator/Dialect.js';
import { checkFileLimit, loopbackSources, type Source } from '../generator/connectionLimits.js';
import { openConnections } from '../generator/openConnections.js';
import type { NodeMemory, ServerProcess } from '../ServerProcess.js';
import { startCpuWindow, type CpuWindow, type Measurement } from './measure.js';
import type { Workload } from './Workload.js';

/** What an idle connection costs the server, from RSS and from the V8 heap. */
export interface IdleMemory {
  connections: number;
  /** Loopback source addresses the connections came from (1 = 127.0.0.1 only). */
  sources: number;
  /** Server RSS (VmRSS, MB) after settling and a full GC: no connection, half of them, all. */
  rssZeroMB: number;
  rssHalfMB: number;
  rssFullMB: number;
  /** The same with all connections open, before the forced GC (what `top` would show). */
  rssFullBeforeGcMB: number;
  /** The server's `process.memoryUsage()` (after a full GC) with none and with all open. */
  nodeZero: NodeMemory;
  nodeFull: NodeMemory;
  /** (RSS with all − RSS with none) / connections, in KB (KiB): the headline. */
  kbPerConnection: number;
  /** The same between half and all: the cost of one more connection, without one-time costs. */
  marginalKbPerConnection: number;
  /** V8 heap in use, and memory outside it (Buffers, native objects V8 knows of), per connection. */
  heapKbPerConnection: number;
  externalKbPerConnection: number;
  /** The generator's own RSS holding every connection (MB). */
  generatorRssMB: number;
}

/** Handshakes in flight at once: enough to go quickly, few enough not to flood the server. */
const PARALLEL = 100;
/**
 * Connections opened and closed before the baseline, so one-time costs (code compiled on the
 * first connection) stay out of it.
 */
const WARM_UP = 100;
/** Opening all connections must take less than this, or the run fails. */
const OPEN_TIMEOUT_MS = 90_000;

/** How long an idle run may take in all: opening, four settles, closing. The server's lifetime. */
export const IDLE_MAX_LIFETIME_MS = OPEN_TIMEOUT_MS + 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Wait until the server's RSS stops moving (two readings 250 ms apart within 0.5%, at most 5 s),
 * then have it run a full GC and report its heap, and read its RSS after that GC.
 */
async function settle(server: ServerProcess): Promise<{ rssBeforeGcMB: number; rssMB: number; node: NodeMemory }> {
  let last = server.memoryMB().rss;
  for (let waited = 0; waited < 5000; waited += 250) {
    await sleep(250);
    const now = server.memoryMB().rss;
    const still = Math.abs(now - last) <= last * 0.005;
    last = now;
    if (still) break;
  }
  const node = await server.nodeMemory();
  await sleep(250);
  return { rssBeforeGcMB: last, rssMB: server.memoryMB().rss, node };
}

function open(server: ServerProcess, dialect: Dialect, count: number, source: () => Source): Promise<Connection[]> {
  return openConnections(server.port, dialect, count, {
    parallel: PARALLEL,
    step: 'hello',
    source,
    timeoutMs: 10_000,
    totalTimeoutMs: OPEN_TIMEOUT_MS,
  });
}

const sum = (a: CpuWindow, b: CpuWindow): CpuWindow => ({
  seconds: a.seconds + b.seconds,
  serverCpuSec: a.serverCpuSec + b.serverCpuSec,
  generatorCpuSec: a.generatorCpuSec + b.generatorCpuSec,
  otherCpuSec: a.otherCpuSec + b.otherCpuSec,
});

/**
 * Memory per idle connection: open `--idle-connections` WebSockets (10,000 by default) and let
 * each complete its handshake and the server's greeting (MWSE's hello, Socket.IO's connect), then
 * hold them without traffic. The server's RSS with all of them open, minus its RSS with none,
 * over their number, is the cost of one idle connection. Connections answer the servers' pings
 * (the MWSE heartbeat, Socket.IO's "2"), so none is dropped as dead while the run lasts.
 * Also reported: the marginal cost (half → all), the V8 heap's share, and how fast the server
 * accepted connections (handshakes per second and per server CPU-second).
 */
export const idle: Workload = async ({ server, dialect, options }) => {
  const n = options.idleConnections;
  checkFileLimit(n);
  const sources = loopbackSources(n + WARM_UP);
  const warm = await open(server, dialect, Math.min(WARM_UP, n), sources.next);
  for (const conn of warm) conn.close();
  const zero = await settle(server);

  const conns: Connection[] = [];
  try {
    const half = Math.floor(n / 2);
    let window = startCpuWindow(server);
    conns.push(...(await open(server, dialect, half, sources.next)));
    let cpu = window();
    const atHalf = await settle(server);
    window = startCpuWindow(server);
    conns.push(...(await open(server, dialect, n - half, sources.next)));
    cpu = sum(cpu, window());
    // Nothing but keep-alives from here on: count frames, decode only pings.
    for (const conn of conns) conn.countOnly(dialect.keepAliveBytes);
    const full = await settle(server);
    const dropped = conns.filter((c) => c.closed).length;
    const kb = (mb: number) => (mb * 1024) / n;
    const memory: IdleMemory = {
      connections: n,
      sources: sources.addresses,
      rssZeroMB: zero.rssMB,
      rssHalfMB: atHalf.rssMB,
      rssFullMB: full.rssMB,
      rssFullBeforeGcMB: full.rssBeforeGcMB,
      nodeZero: zero.node,
      nodeFull: full.node,
      kbPerConnection: kb(full.rssMB - zero.rssMB),
      marginalKbPerConnection: ((full.rssMB - atHalf.rssMB) * 1024) / (n - half),
      heapKbPerConnection: kb(full.node.heapUsed - zero.node.heapUsed),
      externalKbPerConnection: kb(full.node.external - zero.node.external),
      generatorRssMB: memoryUsage().rss / (1024 * 1024),
    };
    const note = dropped ? `${dropped} connections closed by the server before the measurement` : undefined;
    return {
      seconds: cpu.seconds,
      delivered: n,
      // For this workload "messages" are connections set up: handshakes per second.
      msgPerSec: n / cpu.seconds,
      serverCpu: cpu.serverCpuSec / cpu.seconds,
      generatorCpu: cpu.generatorCpuSec / cpu.seconds,
      otherCpu: cpu.otherCpuSec / cpu.seconds,
      msgPerServerCpuSec: cpu.serverCpuSec > 0 ? n / cpu.serverCpuSec : 0,
      startRssMB: zero.rssMB,
      rssMB: full.rssMB,
      peakRssMB: server.memoryMB().peak,
      valid: note === undefined,
      note,
      idle: memory,
    } satisfies Measurement;
  } finally {
    for (const conn of conns) conn.close();
  }
};
