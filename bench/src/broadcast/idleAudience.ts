import { fileURLToPath } from 'node:url';
import MWSE from '@mwse/client';
import { ServerProcess } from '../ServerProcess.js';

const serverFile = fileURLToPath(new URL('../servers/mwseStubMedia.js', import.meta.url));

export interface IdleAudienceResult {
  viewers: number;
  seconds: number;
  /** Server CPU over the window, as a share of one core. */
  coreShare: number;
}

/**
 * `viewers` SDK clients sit in a broadcast room's audience, each watching (stub backend), for
 * `seconds`: the server's CPU over that window (heartbeats and nothing else) as a share of a core.
 */
export async function idleAudience(viewers: number, seconds = 20): Promise<IdleAudienceResult> {
  const server = await ServerProcess.start({ file: serverFile, args: ['uws'], maxLifetimeMs: 300_000 });
  const endpoint = `ws://127.0.0.1:${server.port}`;
  const connect = async () => {
    const mwse = new MWSE({ endpoint, reconnect: false });
    await mwse.scope();
    return mwse;
  };
  const offer = 'v=0\r\n';
  const host = await connect();
  const stage = host.room({ name: 'idle', mode: 'broadcast' });
  await stage.createRoom();
  await stage.broadcastCall({ type: 'broadcast/publish', room: 'idle', name: 'main', offer });
  const clients: MWSE[] = [];
  for (let i = 0; i < viewers; i += 200) {
    const batch = await Promise.all(Array.from({ length: Math.min(200, viewers - i) }, connect));
    await Promise.all(batch.map(async (c) => {
      await c.room('idle').join();
      await c.room('idle').broadcastCall({ type: 'broadcast/watch', room: 'idle', name: 'main', offer });
    }));
    clients.push(...batch);
  }
  // Let the joins' own work (and the last count update) pass before the window opens.
  await new Promise((r) => setTimeout(r, 3000));
  const before = server.cpuSeconds();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu = server.cpuSeconds() - before;
  for (const c of clients) c.close();
  host.close();
  await server.stop();
  return { viewers, seconds, coreShare: cpu / seconds };
}
