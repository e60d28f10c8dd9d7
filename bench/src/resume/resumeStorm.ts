import { fileURLToPath } from 'node:url';
import MWSE, { type BackoffOptions } from '@mwse/client';
import { ServerProcess, type NodeMemory } from '../ServerProcess.js';
import { CutProxy } from '@mwse/testkit/cut-proxy';
import { listenOverflows } from './listenOverflows.js';

/** One cut of every connection at once, and how the clients came back. */
export interface CutRound {
  /** Milliseconds from the cut to each client's `reconnect {resumed: true}`. */
  latencies: number[];
  /** Clients whose `reconnect` said `resumed: false` (with the reason), or that did not come back. */
  refused: string[];
  /** Server CPU seconds from the cut to the last resume. */
  serverCpuSeconds: number;
  /** CPU seconds this process (the clients, and the proxy when there is one) used meanwhile. */
  clientCpuSeconds: number;
  /** Connections the kernel dropped on a full listen backlog meanwhile (machine-wide; see listenOverflows.ts). */
  listenOverflows: number;
}

export interface ResumeStormResult {
  clients: number;
  transport: string;
  /** The SDK's reconnect options in this run (`resumeDelay` caps the first attempt). */
  reconnect: BackoffOptions;
  rounds: CutRound[];
  /** Server memory after a full GC: before any session, with every client live, with every session away. */
  memory: { none: NodeMemory; live: NodeMemory; away: NodeMemory };
  /** Sessions the server counted away when `memory.away` was read (mwse_away_sessions). */
  awaySessions: number;
}

const serverFile = fileURLToPath(new URL('../servers/mwseEngine.js', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Members per room in the storm: every session is in a room, so an away session keeps a membership. */
const ROOM_SIZE = 10;

/** Attempts refused while the proxy blocks are reported as `error` events; expected here. */
function quiet(sdk: MWSE): MWSE {
  sdk.on('error', () => {});
  return sdk;
}

async function awayCount(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('mwse_away_sessions '));
  return line ? Number(line.split(' ')[1]) : Number.NaN;
}

/** CPU seconds this process used since `before` (a `process.cpuUsage()` reading). */
export function cpuSecondsSince(before: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

async function until(done: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  for (const started = performance.now(); performance.now() - started < timeoutMs; ) {
    if (await done()) return true;
    await sleep(20);
  }
  return done();
}

/**
 * `clients` SDK clients in this process reach a fresh MWSE server process (sessions on, 120 s)
 * through a TCP proxy, each paired with its neighbour, in a room of ten and with peer info set.
 * Then, `rounds` times, the proxy cuts every connection at once, and the time from the cut to
 * each client's `reconnect {resumed: true}` is recorded. Last, the proxy refuses new connections
 * and cuts again, so every session is away, and the server's memory is read (after a full GC)
 * against the same server before any session and with all of them live.
 *
 * The clients and the proxy share this process: their own work (1,000 handshakes, the proxy's
 * copying) is part of the latency measured, as it would not be for clients on separate devices.
 */
export async function resumeStorm(clients: number, transport: 'uws' | 'ws', rounds: number, reconnect: BackoffOptions = {}): Promise<ResumeStormResult> {
  const server = await ServerProcess.start({ file: serverFile, args: [transport, 'resume'], nodeFlags: ['--expose-gc'], maxLifetimeMs: 600_000 });
  const proxy = await new CutProxy(server.port).start();
  const sdks: MWSE[] = [];
  try {
    // Warm the server's code paths up (handshake, hello, session end) before the baseline.
    const warm = Array.from({ length: 50 }, () => new MWSE({ endpoint: proxy.endpoint, reconnect: false }));
    await Promise.all(warm.map((sdk) => sdk.scope()));
    for (const sdk of warm) sdk.close();
    await until(async () => proxy.open === 0, 5_000);
    await sleep(500);
    const none = await server.nodeMemory();

    for (let i = 0; i < clients; i += 100) {
      const batch = Array.from({ length: Math.min(100, clients - i) }, () => quiet(new MWSE({ endpoint: proxy.endpoint, reconnect })));
      sdks.push(...batch);
      await Promise.all(batch.map((sdk) => sdk.scope()));
    }
    await Promise.all(sdks.map((sdk, i) => sdk.peer(sdks[(i + clients - 1) % clients]!.me.socketId).acceptPair()));
    for (let i = 0; i < clients; i += ROOM_SIZE) {
      const group = sdks.slice(i, i + ROOM_SIZE);
      await group[0]!.room({ name: `storm-${i}`, joinType: 'free' }).createRoom();
      await Promise.all(group.slice(1).map((sdk) => sdk.room(`storm-${i}`).join()));
    }
    await Promise.all(sdks.map((sdk, i) => sdk.me.info.set('n', i)));

    const results: CutRound[] = [];
    for (let r = 0; r < rounds; r++) {
      const latencies: number[] = [];
      const refused: string[] = [];
      let pending = clients;
      const listeners = sdks.map((sdk, i) => {
        const listener = (outcome: { resumed: boolean; reason?: string }) => {
          pending -= 1;
          if (outcome.resumed) latencies.push(performance.now() - cutAt);
          else refused.push(`${i}:${outcome.reason ?? '?'}`);
        };
        sdk.once('reconnect', listener);
        return listener;
      });
      const cpuBefore = server.cpuSeconds();
      const ownCpuBefore = process.cpuUsage();
      const overflowsBefore = listenOverflows();
      const cutAt = performance.now();
      proxy.cutAll();
      const all = await until(() => pending === 0, 60_000);
      const serverCpuSeconds = server.cpuSeconds() - cpuBefore;
      sdks.forEach((sdk, i) => sdk.off('reconnect', listeners[i]!));
      if (!all) refused.push(`${pending} did not come back in 60 s`);
      results.push({ latencies, refused, serverCpuSeconds, clientCpuSeconds: cpuSecondsSince(ownCpuBefore), listenOverflows: listenOverflows() - overflowsBefore });
      await sleep(1_000);
    }

    const live = await server.nodeMemory();
    proxy.blocked = true;
    proxy.cutAll();
    await until(async () => (await awayCount(server.port)) >= clients, 10_000);
    await sleep(500);
    const away = await server.nodeMemory();
    const awaySessions = await awayCount(server.port);
    return { clients, transport, reconnect, rounds: results, memory: { none, live, away }, awaySessions };
  } finally {
    for (const sdk of sdks) sdk.close();
    await proxy.stop();
    await server.stop();
  }
}
