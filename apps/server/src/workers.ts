import cluster, { type Worker } from 'node:cluster';
import { createServer } from 'node:net';
import type { Logger } from '@mwse/engine';
import type { ServerConfig } from './config.js';
import type { RunningServer } from './startServer.js';

/** What a worker tells the primary once it listens. */
export interface WorkerListening {
  type: 'mwse:listening';
  port: number;
  transport: 'uws' | 'ws';
  nodeId: string;
  url: string;
  pageUrl: string;
}

/** The primary's view of one worker slot (1-based); a restarted worker takes its slot. */
interface Slot {
  index: number;
  starts: number;
  worker?: Worker;
  listening?: WorkerListening;
  /** When the current worker listened. */
  listenedAt?: number;
  /** Deaths in a row, each soon after listening: the restart delay doubles with each. */
  quickDeaths: number;
}

/** What the primary reports to the command line. */
export interface WorkersHandlers {
  /** Every worker listens: one line for scripts and people. */
  listening(all: WorkerListening[]): void;
  /** Exit the process with this code (the workers are gone). */
  exit(code: number): void;
}

/** Delay before a worker that died after it listened is started again; doubled per quick death. */
export const RESTART_DELAY_MS = 1000;
/** The longest restart delay. */
export const MAX_RESTART_DELAY_MS = 30_000;
/** A worker that ran this long before dying was not crash-looping: its slot's delay starts over. */
export const STABLE_AFTER_MS = 30_000;

/** True in a process `runWorkers` forked. */
export const isWorker = (): boolean => cluster.isWorker;

/** Tell the primary this worker listens (its start line is the primary's to print). */
export function reportListening(server: RunningServer): void {
  const message: WorkerListening = {
    type: 'mwse:listening',
    port: server.port,
    transport: server.transport,
    nodeId: server.nodeId ?? '',
    url: server.url,
    pageUrl: server.pageUrl,
  };
  process.send?.(message);
}

/**
 * `mwse-server --workers N`: fork N cluster nodes on one port (docs/cluster.md, One machine) and
 * keep them running. Each worker is a whole server with its own node id (`<MWSE_NODE_ID>-w<i>`, a
 * restarted one `-w<i>.<restarts>`), all on `port` (see {@link sharedPort}); uWebSockets.js
 * workers bind it with SO_REUSEPORT and the kernel spreads connections, ws workers share it
 * through node:cluster (the primary accepts and hands connections round-robin).
 *
 * - A worker that exits after it listened is started again after {@link RESTART_DELAY_MS}, doubled
 *   for each death in a row within {@link STABLE_AFTER_MS} of listening (up to
 *   {@link MAX_RESTART_DELAY_MS}); its clients resume on the others meanwhile.
 * - A worker that exits before it listened (bad config, port taken) stops them all, exit code 1:
 *   restarting would only repeat the failure.
 * - SIGTERM/SIGINT: each worker shuts down gracefully (its `MWSE_SHUTDOWN_TIMEOUT`), then the
 *   primary exits 0; a second signal kills them at once.
 */
export function runWorkers(config: ServerConfig, port: number, env: Readonly<Record<string, string | undefined>>, log: Logger, handlers: WorkersHandlers): void {
  const base = config.cluster?.nodeId;
  if (base === undefined) throw new Error('runWorkers needs cluster mode'); // loadConfig refuses it first
  const slots: Slot[] = Array.from({ length: config.workers }, (_, i) => ({ index: i + 1, starts: 0, quickDeaths: 0 }));
  let stopping = false;
  let exitCode = 0;
  let announced = false;

  const fork = (slot: Slot): void => {
    slot.starts += 1;
    slot.listening = undefined;
    const nodeId = slot.starts === 1 ? `${base}-w${slot.index}` : `${base}-w${slot.index}.${slot.starts - 1}`;
    const worker = cluster.fork({ ...env, MWSE_PORT: String(port), MWSE_NODE_ID: nodeId, MWSE_REUSE_PORT: '1', MWSE_WORKERS: '1' });
    slot.worker = worker;
    worker.on('message', (message: unknown) => {
      if (!isListening(message) || slot.worker !== worker) return;
      slot.listening = message;
      slot.listenedAt = Date.now();
      log.info({ worker: slot.index, node: message.nodeId, pid: worker.process.pid }, 'worker listening');
      if (!announced && slots.every((s) => s.listening)) {
        announced = true;
        handlers.listening(slots.map((s) => s.listening!));
      }
    });
    worker.on('exit', (code, signal) => {
      if (slot.worker !== worker) return;
      slot.worker = undefined;
      const listened = slot.listening !== undefined;
      if (stopping) {
        if (slots.every((s) => !s.worker)) handlers.exit(exitCode);
        return;
      }
      const fields = { worker: slot.index, node: nodeId, pid: worker.process.pid, code, signal };
      if (!listened) {
        log.error(fields, 'worker exited before it listened; stopping the others');
        stop('SIGTERM', 1);
        return;
      }
      // A worker that keeps dying right after it starts waits longer each time (1 s, 2 s, … 30 s).
      slot.quickDeaths = Date.now() - (slot.listenedAt ?? 0) < STABLE_AFTER_MS ? slot.quickDeaths + 1 : 1;
      const delay = Math.min(MAX_RESTART_DELAY_MS, RESTART_DELAY_MS * 2 ** (slot.quickDeaths - 1));
      log.warn({ ...fields, delay }, `worker exited; starting it again in ${delay} ms`);
      setTimeout(() => {
        if (!stopping) fork(slot);
      }, delay).unref();
    });
  };

  /** Signal every worker; exit with `code` once none is left (or at once when none runs). */
  const stop = (signal: NodeJS.Signals, code = 0): void => {
    stopping = true;
    exitCode = Math.max(exitCode, code);
    const alive = slots.filter((s) => s.worker);
    if (alive.length === 0) return handlers.exit(exitCode);
    for (const slot of alive) slot.worker!.process.kill(signal);
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`mwse-server: ${signal} again, killing the workers\n`);
      for (const slot of slots) slot.worker?.process.kill('SIGKILL');
      handlers.exit(1);
      return;
    }
    process.stderr.write(`mwse-server: ${signal}, stopping ${slots.filter((s) => s.worker).length} workers\n`);
    // Each worker bounds its own shutdown; this bounds a worker that hangs anyway.
    setTimeout(() => {
      for (const slot of slots) slot.worker?.process.kill('SIGKILL');
      handlers.exit(1);
    }, config.shutdownTimeout + 5000).unref();
    stop('SIGTERM');
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  for (const slot of slots) fork(slot);
}

/**
 * The port the workers share. For port 0 one free port is picked here: SO_REUSEPORT sockets that
 * each bound port 0 would get a port each, and Linux does not let others join a port picked that way.
 */
export async function sharedPort(host: string, port: number): Promise<number> {
  if (port !== 0) return port;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => probe.once('error', reject).listen({ host, port: 0, exclusive: true }, resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error(`cannot pick a free port on ${host}`);
  return address.port;
}

function isListening(message: unknown): message is WorkerListening {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'mwse:listening';
}
