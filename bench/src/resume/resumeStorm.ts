import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import MWSE, { type BackoffOptions } from '@mwse/client';
import { pinSelf } from '../cpuPinning.js';
import { Child } from '../Child.js';
import { machineBusySeconds } from '../procStats.js';
import { ServerProcess, type NodeMemory } from '../ServerProcess.js';
import { type Stamps } from './clock.js';
import { listenOverflows } from './listenOverflows.js';
import type { FromApprover, ToApprover } from './approverProcess.js';
import type { FromProxy, ToProxy } from './proxyProcess.js';
import type { ClientTrace, FromWorker, ToWorker } from './stormWorker.js';

/** One cut of every connection at once, and how the clients came back. */
export interface CutRound {
  /** Milliseconds from the cut to each client's `reconnect {resumed: true}`. */
  latencies: number[];
  /** Clients whose `reconnect` said `resumed: false` (with the reason), or that did not come back. */
  refused: string[];
  /** Server CPU seconds from the cut to the last resume. */
  serverCpuSeconds: number;
  /** CPU seconds the clients' processes used meanwhile (with the proxy when it shares their process). */
  clientCpuSeconds: number;
  /** CPU seconds the proxy's process used meanwhile, when it has its own. */
  proxyCpuSeconds?: number;
  /** CPU seconds the rest of the machine used meanwhile (other work on the same cores). */
  otherCpuSeconds?: number;
  /** Milliseconds from the cut to the last resume. */
  wallMs?: number;
  /** The worst event-loop delay a client process saw during the round (ms). */
  clientLoopDelayMaxMs?: number;
  /** Milliseconds the proxy took to destroy every connection (the latencies count from its start). */
  cutMs?: number;
  /** Connections the kernel dropped on a full listen backlog meanwhile (machine-wide; see listenOverflows.ts). */
  listenOverflows: number;
  /** Each resumed client's steps on the shared clock, from the cut (0), with the server's when it stamped them. */
  steps?: Stamps[];
  /** Milliseconds the server spent in each uWS callback kind this round, when it stamped them. */
  serverSpent?: Record<string, number>;
}

export interface StormOptions {
  clients: number;
  transport: 'uws' | 'ws';
  rounds: number;
  /** The SDK's reconnect options (`resumeDelay` caps the first attempt). */
  reconnect?: BackoffOptions;
  /** Processes the SDK clients are spread over (default 2); the proxy always has its own. */
  workers?: number;
  /** Server on CPU 1, clients and proxy on CPU 0 (`taskset`). */
  pin?: boolean;
  /**
   * Who cuts: `proxy` (a TCP proxy in its own process between clients and server destroys both
   * legs of every connection; default) or `client` (no proxy: each client process destroys its
   * clients' TCP sockets under the SDK, as a dead network interface would; the server sees the
   * same 1006). The proxy doubles the TCP connections the clients' CPU handles.
   */
  cut?: 'proxy' | 'client';
  /** The SDK clients' socket class: `ws` (the SDK's default in Node 20) or `lean` (leanSocket.ts). */
  socket?: 'ws' | 'lean';
  /**
   * Every handshake (resumes too) waits for the bridge's approval (`approveUrl`): an app server
   * in its own process (approverProcess.ts) approves each after this many ms. Undefined: no bridge.
   */
  bridgeDelayMs?: number;
  /** The engine's `maxPendingApprovals` with a bridge (default: the engine's, 64). */
  maxPendingApprovals?: number;
  /** The server stamps each resume's steps (timedServer.ts). */
  phases?: boolean;
  /** Write the server's CPU profile (`node --cpu-prof`) into this directory when it exits. */
  serverProfileDir?: string;
  /** Write each client process's and the proxy's CPU profile into this directory when they exit. */
  clientProfileDir?: string;
}

export interface ResumeStormResult extends Required<Omit<StormOptions, 'reconnect' | 'rounds' | 'serverProfileDir' | 'clientProfileDir' | 'bridgeDelayMs' | 'maxPendingApprovals'>> {
  bridgeDelayMs: number | undefined;
  maxPendingApprovals: number | undefined;
  reconnect: BackoffOptions;
  rounds: CutRound[];
  /** Server memory after a full GC: before any session, with every client live, with every session away. */
  memory: { none: NodeMemory; live: NodeMemory; away: NodeMemory };
  /** Sessions the server counted away when `memory.away` was read (mwse_away_sessions). */
  awaySessions: number;
}

const dist = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const serverFile = dist('../servers/mwseEngine.js');
const timedServerFile = dist('./timedServer.js');
const workerFile = dist('./stormWorker.js');
const proxyFile = dist('./proxyProcess.js');
const approverFile = dist('./approverProcess.js');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Members per room in the storm: every session is in a room, so an away session keeps a membership. */
const ROOM_SIZE = 10;

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

/** The steps of one resume on the shared clock, taken from the cut; the server's where it has them. */
function stepsOf(trace: ClientTrace, cutAt: number, server: Record<string, Record<string, number>> | undefined): Stamps {
  const steps: Stamps = {};
  const put = (name: string, at: number | undefined) => {
    if (at !== undefined) steps[name] = at - cutAt;
  };
  put('down', trace.down);
  put('dial', trace.dial);
  const stamped = server?.[trace.socketId];
  if (stamped) {
    put('server upgrade', stamped.upgrade);
    put('server open', stamped.open);
  }
  put('open', trace.open);
  if (stamped) {
    put('server resume frame', stamped.message);
    put('server handled', stamped.handled);
    put('server hello', stamped.hello);
  }
  put('hello', trace.hello);
  put('reconnect', trace.reconnect);
  steps.attempts = trace.attempts;
  return steps;
}

/**
 * `clients` SDK clients, spread over `workers` processes, reach a fresh MWSE server process
 * (sessions on, 120 s) through a TCP proxy in a process of its own; each client is paired with
 * its neighbour, in a room of ten and with peer info set. Then, `rounds` times, the proxy cuts
 * every connection at once, and the time from the cut to each client's `reconnect {resumed:
 * true}` is recorded, with each step in between (stormWorker.ts, and timedServer.ts with
 * `phases`) and the CPU each process used. Last, the proxy refuses new connections and cuts
 * again, so every session is away, and the server's memory is read (after a full GC) against
 * the same server before any session and with all of them live.
 *
 * With `pin`, the server runs on CPU 1 and everything else on CPU 0, as a server with a core
 * of its own and its clients elsewhere would; the machine's other work is not moved, and the
 * CPU it used during a round is reported.
 */
export async function resumeStorm(options: StormOptions): Promise<ResumeStormResult> {
  const { clients, transport, rounds, reconnect = {}, workers: workerCount = 2, pin = false, phases = false, cut: cutter = 'proxy', socket = 'ws' } = options;
  if (clients % (ROOM_SIZE * workerCount) !== 0) throw new Error(`--clients must be a multiple of ${ROOM_SIZE * workerCount}`);
  // Children inherit this process's CPU: pin it, start them, then let it go again.
  if (pin) pinSelf(0);
  const approver = options.bridgeDelayMs === undefined ? undefined : new Child<ToApprover, FromApprover>(approverFile);
  const approverPort = approver ? (await approver.ask({ op: 'start', delayMs: options.bridgeDelayMs! }, 'started')).port : undefined;
  const server = await ServerProcess.start({
    ...(approverPort
      ? { env: { BENCH_APPROVE_URL: `http://127.0.0.1:${approverPort}/approve`, ...(options.maxPendingApprovals ? { BENCH_MAX_PENDING_APPROVALS: String(options.maxPendingApprovals) } : {}) } }
      : {}),
    file: phases ? timedServerFile : serverFile,
    args: [transport, 'resume'],
    nodeFlags: ['--expose-gc', ...(options.serverProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.serverProfileDir}`] : [])],
    maxLifetimeMs: 600_000,
    ...(pin ? { cpu: 1 } : {}),
  });
  const profile = options.clientProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.clientProfileDir}`] : [];
  const proxy = cutter === 'proxy' ? new Child<ToProxy, FromProxy>(proxyFile, profile.length ? [...profile, '--cpu-prof-name=proxy.cpuprofile'] : []) : undefined;
  const workers = Array.from({ length: workerCount }, (_, k) => new Child<ToWorker, FromWorker>(workerFile, profile.length ? [...profile, `--cpu-prof-name=clients-${k}.cpuprofile`] : []));
  if (pin) execFileSync('taskset', ['-a', '-p', '-c', '0,1', String(process.pid)], { stdio: 'ignore' });
  const dir = mkdtempSync(join(tmpdir(), 'mwse-storm-'));
  try {
    const port = proxy ? (await proxy.ask({ op: 'start', upstream: server.port }, 'started')).port : server.port;
    const endpoint = `ws://127.0.0.1:${port}`;
    // Warm the server's code paths up (handshake, hello, session end) before the baseline.
    // (With a bridge, handshakes past its pending bound are refused with 503 and retried.)
    const warm = Array.from({ length: 50 }, () => new MWSE({ endpoint }).on('error', () => {}));
    await Promise.all(warm.map((sdk) => sdk.scope()));
    for (const sdk of warm) sdk.close();
    if (proxy) await until(async () => (await proxy.ask({ op: 'count' }, 'count')).open === 0, 5_000);
    await sleep(500);
    const none = await server.nodeMemory();

    const share = clients / workerCount;
    // One process after the other: a bridge takes at most 64 pending approvals by default.
    const opened: Extract<FromWorker, { op: 'opened' }>[] = [];
    for (const [k, w] of workers.entries()) {
      opened.push(await w.ask({ op: 'open', endpoint, count: share, reconnect, roomPrefix: `storm-${k}`, roomSize: ROOM_SIZE, socket }, 'opened'));
    }
    const ids = opened.flatMap((o) => o.ids);
    await Promise.all(
      workers.map((w, k) => w.ask({ op: 'pair', accept: ids.slice(k * share, (k + 1) * share).map((_, i) => ids[(k * share + i + clients - 1) % clients]!) }, 'paired')),
    );

    const results: CutRound[] = [];
    for (let r = 0; r < rounds; r++) {
      await Promise.all(workers.map((w) => w.ask({ op: 'arm' }, 'armed')));
      const reports = workers.map((w) => w.next('round'));
      const before = { approver: approver?.cpuSeconds() ?? 0, server: server.cpuSeconds(), proxy: proxy?.cpuSeconds() ?? 0, workers: workers.map((w) => w.cpuSeconds()), machine: machineBusySeconds(), overflows: listenOverflows() };
      // Latencies count from the start of the cut that dropped each client (the proxy's, or its
      // own process's: those start within a few ms of each other).
      const cuts = proxy ? [await proxy.ask({ op: 'cut' }, 'cut')] : await Promise.all(workers.map((w) => w.ask({ op: 'cut' }, 'cut')));
      const timeout = setTimeout(() => workers.forEach((w) => w.process.send({ op: 'report' } satisfies ToWorker)), 60_000);
      const done = await Promise.all(reports);
      clearTimeout(timeout);
      const serverCpuSeconds = server.cpuSeconds() - before.server;
      // The app server is counted with the proxy: both stand for machines other than the server's.
      const proxyCpuSeconds = (proxy ? proxy.cpuSeconds() - before.proxy : 0) + (approver ? approver.cpuSeconds() - before.approver : 0);
      const clientCpuSeconds = workers.reduce((sum, w, k) => sum + w.cpuSeconds() - before.workers[k]!, 0);
      const machine = machineBusySeconds() - before.machine;
      const overflows = listenOverflows() - before.overflows;
      let stamped: { sockets: Record<string, Record<string, number>>; spent: Record<string, number> } | undefined;
      if (phases) {
        const file = join(dir, `round-${r}.json`);
        server.command(`phases ${file}`);
        await until(() => existsSync(file), 5_000);
        await sleep(100);
        stamped = JSON.parse(readFileSync(file, 'utf8'));
      }
      const traces = done.flatMap((d, k) => d.traces.map((trace) => ({ trace, cutAt: (cuts[k] ?? cuts[0]!).at })));
      const latencies: number[] = [];
      const refused: string[] = [];
      const steps: Stamps[] = [];
      traces.forEach(({ trace: t, cutAt }, i) => {
        if (t.resumed === true && t.reconnect !== undefined) {
          latencies.push(t.reconnect - cutAt);
          steps.push(stepsOf(t, cutAt, stamped?.sockets));
        } else refused.push(`${i}:${t.reason ?? (t.reconnect === undefined ? 'did not come back in 60 s' : '?')}`);
      });
      results.push({
        latencies,
        refused,
        serverCpuSeconds,
        clientCpuSeconds,
        ...(proxy || approver ? { proxyCpuSeconds } : {}),
        otherCpuSeconds: Math.max(0, machine - serverCpuSeconds - proxyCpuSeconds - clientCpuSeconds),
        wallMs: Math.max(...latencies),
        cutMs: Math.max(...cuts.map((c) => c.tookMs)),
        clientLoopDelayMaxMs: Math.max(...done.map((d) => d.eventLoopDelayMaxMs)),
        listenOverflows: overflows,
        steps,
        ...(stamped ? { serverSpent: stamped.spent } : {}),
      });
      await sleep(1_000);
    }

    const live = await server.nodeMemory();
    if (proxy) {
      await proxy.ask({ op: 'block', blocked: true }, 'blocked');
      await proxy.ask({ op: 'cut' }, 'cut');
    } else {
      await Promise.all(workers.map((w) => w.ask({ op: 'block' }, 'blocked')));
      await Promise.all(workers.map((w) => w.ask({ op: 'cut' }, 'cut')));
    }
    await until(async () => (await awayCount(server.port)) >= clients, 10_000);
    await sleep(500);
    const away = await server.nodeMemory();
    const awaySessions = await awayCount(server.port);
    return { clients, transport, rounds: results, reconnect, workers: workerCount, pin, phases, cut: cutter, socket, bridgeDelayMs: options.bridgeDelayMs, maxPendingApprovals: options.maxPendingApprovals, memory: { none, live, away }, awaySessions };
  } finally {
    for (const w of workers) w.process.send({ op: 'close' } satisfies ToWorker);
    proxy?.process.send({ op: 'stop' } satisfies ToProxy);
    approver?.process.send({ op: 'stop' } satisfies ToApprover);
    await Promise.all([...workers, ...(proxy ? [proxy] : []), ...(approver ? [approver] : [])].map((c) => new Promise((resolve) => (c.process.exitCode !== null ? resolve(null) : c.process.once('exit', resolve)))));
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
