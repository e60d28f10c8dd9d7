import { fileURLToPath } from 'node:url';
import MWSE, { type BroadcastFrame } from '@mwse/client';
import { ServerProcess } from '../ServerProcess.js';

const serverFile = fileURLToPath(new URL('../servers/mwseStubMedia.js', import.meta.url));

/** Milliseconds at the given quantile (0..1) of sorted `values`. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

export interface AudienceStormResult {
  viewers: number;
  /** From `Promise.all` start to each viewer's joined-and-watching answer. */
  joinWatchP50: number;
  joinWatchP99: number;
  /** From the publish call to each viewer's `broadcast/started`. */
  startedP50: number;
  startedP99: number;
  /** CPU seconds of the server process over the join + watch and the fan-out. */
  serverCpuSeconds: number;
}

const OFFER = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';

/**
 * `viewers` SDK clients join a broadcast room's audience and watch at once (stub backend: the
 * signalling only), then a second broadcast starts and its `broadcast/started` fan-out is timed.
 * The server is a process of its own (uWebSockets.js when installed); the clients are in this one.
 */
export async function audienceStorm(viewers: number): Promise<AudienceStormResult> {
  const server = await ServerProcess.start({ file: serverFile, args: ['uws'], maxLifetimeMs: 300_000 });
  const endpoint = `ws://127.0.0.1:${server.port}`;
  const connect = async () => {
    const mwse = new MWSE({ endpoint, reconnect: false });
    await mwse.scope();
    return mwse;
  };
  const host = await connect();
  const stage = host.room({ name: 'storm', mode: 'broadcast' });
  await stage.createRoom();
  await stage.broadcastCall({ type: 'broadcast/publish', room: 'storm', name: 'main', offer: OFFER });
  const clients: MWSE[] = [];
  for (let i = 0; i < viewers; i += 200) clients.push(...(await Promise.all(Array.from({ length: Math.min(200, viewers - i) }, connect))));

  const cpuBefore = server.cpuSeconds();
  const t0 = performance.now();
  const joinWatch = await Promise.all(
    clients.map(async (c) => {
      const room = c.room('storm');
      await room.join();
      await room.broadcastCall({ type: 'broadcast/watch', room: 'storm', name: 'main', offer: OFFER });
      return performance.now() - t0;
    }),
  );
  const started = clients.map(
    (c) =>
      new Promise<number>((resolve) => {
        c.room('storm').on('broadcast/frame', (frame: BroadcastFrame) => {
          if (frame.type === 'broadcast/started' && frame.name === 'second') resolve(performance.now());
        });
      }),
  );
  // From just before the call: the frames go out before the publisher's own answer.
  const t1 = performance.now();
  await stage.broadcastCall({ type: 'broadcast/publish', room: 'storm', name: 'second', offer: OFFER });
  const startedAt = (await Promise.all(started)).map((t) => Math.max(0, t - t1));
  const cpu = server.cpuSeconds() - cpuBefore;
  for (const c of clients) c.close();
  host.close();
  await server.stop();
  joinWatch.sort((a, b) => a - b);
  startedAt.sort((a, b) => a - b);
  return {
    viewers,
    joinWatchP50: quantile(joinWatch, 0.5),
    joinWatchP99: quantile(joinWatch, 0.99),
    startedP50: quantile(startedAt, 0.5),
    startedP99: quantile(startedAt, 0.99),
    serverCpuSeconds: cpu,
  };
}
