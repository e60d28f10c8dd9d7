import type { Dialect } from './generator/Dialect.js';
import { mwseBinaryDialect } from './generator/mwseBinaryDialect.js';
import { mwseDialect } from './generator/mwseDialect.js';
import { socketIoDialect } from './generator/socketIoDialect.js';
import { withSessionAcks } from './generator/withSessionAcks.js';

export type WorkloadName = 'pairs' | 'room10' | 'room150' | 'requests' | 'idle';

/** One server under test: which file runs it, and how the generator talks to it. */
export interface System {
  name: string;
  /** Server file under dist/servers/, without extension. */
  server: string;
  args?: string[];
  dialect: Dialect;
  /** Workloads this system takes part in. */
  workloads: WorkloadName[];
  /** What the row is, for the report. */
  about: string;
  /** Extra environment for the server process (`--baseline`: which engine build it imports). */
  env?: Record<string, string>;
}

const ALL: WorkloadName[] = ['pairs', 'room10', 'room150', 'requests'];
/**
 * Idle memory is measured once per server library: `mwse-uws-bin`, `uws-prefix` and
 * `ws-json-batch` differ from their siblings only in how they move messages, not in what an idle
 * connection holds.
 */
const WITH_IDLE: WorkloadName[] = [...ALL, 'idle'];

export const SYSTEMS: System[] = [
  {
    name: 'mwse-uws',
    server: 'mwseEngine',
    args: ['uws'],
    dialect: mwseDialect,
    workloads: WITH_IDLE,
    about: 'MWSE engine on uWebSockets.js (zod-validated JSON, services, batched queues)',
  },
  {
    name: 'mwse-uws-bin',
    server: 'mwseEngine',
    args: ['uws'],
    dialect: mwseBinaryDialect,
    workloads: ALL,
    about: 'the same engine, clients on the binary tunnel framing (?codec=binary, the SDK default)',
  },
  {
    name: 'mwse-uws-resume',
    server: 'mwseEngine',
    args: ['uws', 'resume'],
    dialect: withSessionAcks(mwseDialect),
    workloads: ALL,
    about: 'mwse-uws with sessions kept (resumeGrace 120 s, as mwse-server): frames counted and kept until acked, clients ack as the SDK does (256 frames, 1 MiB or 25 ms)',
  },
  {
    name: 'mwse-uws-bin-resume',
    server: 'mwseEngine',
    args: ['uws', 'resume'],
    dialect: withSessionAcks(mwseBinaryDialect),
    workloads: ALL,
    about: 'mwse-uws-bin with sessions kept, as mwse-uws-resume',
  },
  {
    name: 'mwse-ws',
    server: 'mwseEngine',
    args: ['ws'],
    dialect: mwseDialect,
    workloads: WITH_IDLE,
    about: 'MWSE engine on ws',
  },
  {
    name: 'uws-json',
    server: 'uwsJsonRelay',
    dialect: mwseDialect,
    workloads: WITH_IDLE,
    about: 'bare uWS, JSON.parse + JSON.stringify, per-target queues flushed once per turn in cork',
  },
  {
    name: 'uws-prefix',
    server: 'uwsPrefixRelay',
    dialect: mwseDialect,
    // Requests take its JSON path: the same as uws-json, nothing to learn from running them.
    workloads: ['pairs', 'room10', 'room150'],
    about: 'bare uWS routing on the text prefix, no JSON, batched',
  },
  {
    name: 'ws-json',
    server: 'wsJsonRelay',
    dialect: mwseDialect,
    workloads: WITH_IDLE,
    about: 'bare ws, JSON.parse + JSON.stringify, send() per message',
  },
  {
    name: 'ws-json-batch',
    server: 'wsJsonRelay',
    args: ['batched'],
    dialect: mwseDialect,
    // Batching changes throughput, not latency at a low fixed rate.
    workloads: ['pairs', 'room10', 'room150'],
    about: 'bare ws, JSON, per-target queues flushed once per turn with the TCP socket corked',
  },
  {
    name: 'socket.io',
    server: 'socketIoRelay',
    dialect: socketIoDialect,
    workloads: WITH_IDLE,
    about: 'Socket.IO 4.8 (websocket transport only), emit to socket / room, emitWithAck',
  },
];
