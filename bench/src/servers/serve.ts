import { createInterface } from 'node:readline';
import { getHeapSpaceStatistics } from 'node:v8';

/**
 * What every benchmark server does around its own work: tell the parent its port on stdout,
 * and stop by itself when the parent closes stdin, sends SIGTERM/SIGINT, or the lifetime the
 * parent gave it (`BENCH_MAX_LIFETIME_MS`) runs out, so no server outlives a crashed run.
 * Exiting through `process.exit` also lets `node --cpu-prof` write its profile.
 *
 * The parent may write `memory` on stdin: the server answers with `process.memoryUsage()` and
 * the size of the V8 young generation (the heap is only visible from inside), after a full GC
 * when it runs with `--expose-gc`, so garbage from the handshakes is not counted as memory the
 * connections hold.
 */
export function serve(port: number, stop: () => unknown = () => {}): void {
  let stopping = false;
  const exit = () => {
    if (stopping) return;
    stopping = true;
    // Never wait on a slow graceful close: the measurement is over.
    setTimeout(() => process.exit(0), 500).unref();
    Promise.resolve()
      .then(stop)
      .catch(() => {})
      .finally(() => process.exit(0));
  };
  const commands = createInterface({ input: process.stdin });
  commands.on('line', (line) => {
    if (line.trim() !== 'memory') return;
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    // The young generation grows with the allocation rate (up to 2 × --max-semi-space-size).
    const young = getHeapSpaceStatistics()
      .filter((space) => space.space_name.startsWith('new_'))
      .reduce((bytes, space) => bytes + space.space_size, 0);
    const memory = { ...process.memoryUsage(), young };
    process.stdout.write(`${JSON.stringify({ memory, gc: gc !== undefined })}\n`);
  });
  commands.on('close', exit);
  process.on('SIGTERM', exit);
  process.on('SIGINT', exit);
  const lifetime = Number(process.env.BENCH_MAX_LIFETIME_MS ?? 120_000);
  setTimeout(exit, lifetime).unref();
  process.stdout.write(`${JSON.stringify({ ready: true, port })}\n`);
}
