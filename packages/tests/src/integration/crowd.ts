import type MWSE from '@mwse/client';

/** Connect `n` clients with `connect`, a batch at a time, so handshakes do not pile up. */
export async function crowd(n: number, connect: () => Promise<MWSE>, batch = 200): Promise<MWSE[]> {
  const all: MWSE[] = [];
  for (let i = 0; i < n; i += batch) {
    all.push(...(await Promise.all(Array.from({ length: Math.min(batch, n - i) }, connect))));
  }
  return all;
}

/** Frames the server queued of one type so far, from the engine's Prometheus text. */
export function framesOut(metrics: string, type: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`mwse_messages_out_total{type="${type}"} `));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

/** A gauge's value from the engine's Prometheus text. */
export function gauge(metrics: string, name: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? NaN : Number(line.split(' ')[1]);
}
