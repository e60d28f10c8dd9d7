import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pinSelf } from '../cpuPinning.js';
import { machineBusySeconds } from '../procStats.js';
import { Connection } from '../generator/Connection.js';
import { textOf } from '../generator/Dialect.js';
import { openWebSocket } from '../generator/openWebSocket.js';
import { ServerProcess } from '../ServerProcess.js';
import { listenOverflows } from './listenOverflows.js';
import { cpuSecondsSince, type CutRound } from './resumeStorm.js';

const serverFile = fileURLToPath(new URL('../servers/mwseEngine.js', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The session a raw client holds: what a `session/resume` needs. */
interface Held {
  socketId: string;
  token: string;
  conn: Connection;
}

function parse(msg: string | Buffer): Record<string, any> {
  try {
    return JSON.parse(textOf(msg)) as Record<string, any>;
  } catch {
    return {};
  }
}

const isHello = (msg: string | Buffer) => typeof msg === 'string' && msg.startsWith('{"type":"hello"');

async function open(port: number, path: string): Promise<Connection> {
  return new Connection(await openWebSocket(port, path, { timeoutMs: 30_000 }));
}

/** Resume `held` on a new socket, as the SDK does: the resume frame first, then the resumed hello, then an ack. */
async function resume(port: number, held: Held): Promise<string | undefined> {
  const conn = await open(port, '/?resume=1');
  conn.send(JSON.stringify({ type: 'session/resume', socketId: held.socketId, token: held.token, seq: 0, from: 0 }));
  const hello = parse(await conn.waitFor(isHello, 30_000));
  if (hello.resumed !== true || hello.socketId !== held.socketId) {
    conn.close();
    return String(hello.reason ?? 'not resumed');
  }
  held.token = hello.resume.token;
  held.conn = conn;
  // Confirms the rotated token arrived, so the server retires the old one (the SDK does the same).
  conn.send('{"type":"session/ack","seq":0}');
  return undefined;
}

export interface RawResumeResult {
  clients: number;
  transport: string;
  /** The first attempt waits a uniform random time in [0, jitterMs), as the SDK's resumeDelay. */
  jitterMs: number;
  pin: boolean;
  rounds: CutRound[];
}

/**
 * The server's side of a resume storm, with clients that cost little: `clients` raw WebSocket
 * connections (the relay bench's generator) hold resumable sessions; each round destroys every
 * TCP socket at once (the server sees 1006, as after a cut), and each client, after a random
 * wait in [0, jitterMs), opens `/?resume=1` and resumes by hand with the frames the SDK sends.
 * Latency runs from the cut to the resumed hello. What it leaves out, against the SDK storm,
 * is the cost of 1,000 `ws` clients and a proxy sharing one process with the measurement.
 */
export async function rawResumeStorm(clients: number, transport: 'uws' | 'ws', rounds: number, jitterMs = 100, pin = false): Promise<RawResumeResult> {
  // Pinned: the server on CPU 1, this process (the clients) on CPU 0.
  const server = await ServerProcess.start({ file: serverFile, args: [transport, 'resume'], maxLifetimeMs: 600_000, ...(pin ? { cpu: 1 } : {}) });
  if (pin) pinSelf(0);
  const held: Held[] = [];
  try {
    for (let i = 0; i < clients; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(50, clients - i) }, async () => {
          const conn = await open(server.port, '/');
          const hello = parse(await conn.waitFor(isHello, 30_000));
          if (typeof hello.resume?.token !== 'string') throw new Error('the server handed out no resume token');
          return { socketId: String(hello.socketId), token: String(hello.resume.token), conn };
        }),
      );
      held.push(...batch);
    }
    const results: RawResumeResult['rounds'] = [];
    for (let r = 0; r < rounds; r++) {
      const latencies: number[] = [];
      const refused: string[] = [];
      const overflowsBefore = listenOverflows();
      const cpuBefore = server.cpuSeconds();
      const ownCpuBefore = process.cpuUsage();
      const machineBefore = machineBusySeconds();
      const cutAt = performance.now();
      for (const h of held) h.conn.close();
      await Promise.all(
        held.map(async (h, i) => {
          await sleep(Math.random() * jitterMs);
          try {
            const why = await resume(server.port, h);
            if (why === undefined) latencies.push(performance.now() - cutAt);
            else refused.push(`${i}:${why}`);
          } catch (error) {
            refused.push(`${i}:${(error as Error).message}`);
          }
        }),
      );
      const serverCpuSeconds = server.cpuSeconds() - cpuBefore;
      const clientCpuSeconds = cpuSecondsSince(ownCpuBefore);
      const otherCpuSeconds = Math.max(0, machineBusySeconds() - machineBefore - serverCpuSeconds - clientCpuSeconds);
      results.push({ latencies, refused, serverCpuSeconds, clientCpuSeconds, otherCpuSeconds, wallMs: Math.max(...latencies), listenOverflows: listenOverflows() - overflowsBefore });
      if (refused.length > 0) break;
      await sleep(1_000);
    }
    return { clients, transport, jitterMs, pin, rounds: results };
  } finally {
    for (const h of held) h.conn.close();
    await server.stop();
    if (pin) execFileSync('taskset', ['-a', '-p', '-c', '0,1', String(process.pid)], { stdio: 'ignore' });
  }
}
