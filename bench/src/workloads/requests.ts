import { openConnections } from '../generator/openConnections.js';
import { timedBody } from '../generator/payload.js';
import { percentile } from '../stats.js';
import { measure, type Meter } from './measure.js';
import type { Workload } from './Workload.js';

/** Timer period of the open-loop sender. */
const TICK_MS = 2;

/**
 * Request/response latency at a fixed offered rate (open loop), far below every system's
 * capacity, so the numbers compare latency rather than restate throughput (a closed loop would
 * just give in-flight ÷ throughput). Half the connections ask their partner, which echoes the
 * body; the send time travels in the body and comes back in the response.
 * `delivered` counts round trips (each is two relayed messages).
 */
export const requests: Workload = async ({ server, dialect, options }) => {
  const conns = await openConnections(server.port, dialect, options.connections);
  let timer: NodeJS.Timeout | undefined;
  try {
    const meter: Meter = { delivered: 0 };
    const latencies: number[] = [];
    let recording = false;
    const askers = conns.filter((_, i) => i % 2 === 0);
    const nextId = askers.map(() => 1);
    for (let i = 0; i < conns.length; i += 2) {
      const [asker, answerer] = [conns[i]!, conns[i + 1]!];
      answerer.onMessage = (msg) => {
        const request = dialect.readRequest(msg);
        if (request) answerer.send(request.answer);
      };
      asker.onMessage = (msg) => {
        const response = dialect.readResponse(msg);
        const sentAt = (response?.body as { t?: number } | null)?.t;
        if (typeof sentAt !== 'number') return;
        meter.delivered++;
        if (recording) latencies.push(performance.now() - sentAt);
      };
    }
    // Send what is due every tick, spread over the askers in turn.
    const start = performance.now();
    let sent = 0;
    let turn = 0;
    timer = setInterval(() => {
      const due = Math.floor(((performance.now() - start) / 1000) * options.rate) - sent;
      for (let k = 0; k < due; k++, sent++, turn = (turn + 1) % askers.length) {
        const asker = askers[turn]!;
        const partner = conns[turn * 2 + 1]!;
        asker.send(dialect.requestTo(nextId[turn]!++, partner.id, timedBody(performance.now())));
      }
    }, TICK_MS);
    const warmup = options.warmup * 1000;
    setTimeout(() => (recording = true), warmup).unref();
    const m = await measure(server, meter, options.warmup, options.duration);
    recording = false;
    const offered = options.rate * 0.95;
    m.latency = { p50: percentile(latencies, 50), p99: percentile(latencies, 99), samples: latencies.length };
    // Fixed rate: the server is not saturated, so the CPU rule says little; what matters is
    // that the offered rate went through and the generator was not starved.
    m.valid = m.generatorCpu < 0.9 && m.msgPerSec >= offered;
    m.note = m.valid ? undefined : m.msgPerSec < offered ? 'offered rate not sustained' : m.note;
    return m;
  } finally {
    clearInterval(timer);
    for (const conn of conns) conn.close();
  }
};
