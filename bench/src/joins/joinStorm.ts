import { fileURLToPath } from 'node:url';
import MWSE from '@mwse/client';
import { ServerProcess } from '../ServerProcess.js';

/** What one join storm measured. */
export interface JoinStormResult {
  clients: number;
  transport: string;
  /** From the first `room/join` sent to the last member having seen every join after its own. */
  seconds: number;
  /** CPU seconds the server process used over that window. */
  serverCpuSeconds: number;
  /** `join` events the SDKs fired in all (n·(n−1)/2 when each was seen exactly once). */
  joinEvents: number;
}

const serverFile = fileURLToPath(new URL('../servers/mwseEngine.js', import.meta.url));

/**
 * `clients` SDK clients in this process connect to a fresh MWSE server process, then all join one
 * ordinary room at once. Every member must see the join of every member that came after it, so
 * the storm is done when the SDKs together fired n·(n−1)/2 `join` events.
 */
export async function joinStorm(clients: number, transport: 'uws' | 'ws', timeoutMs = 120_000): Promise<JoinStormResult> {
  const server = await ServerProcess.start({ file: serverFile, args: [transport], maxLifetimeMs: timeoutMs + 60_000 });
  const sdks: MWSE[] = [];
  try {
    const endpoint = `ws://127.0.0.1:${server.port}/`;
    for (let i = 0; i < clients; i += 100) {
      const batch = Array.from({ length: Math.min(100, clients - i) }, () => new MWSE({ endpoint, reconnect: false }));
      sdks.push(...batch);
      await Promise.all(batch.map((sdk) => new Promise<void>((resolve) => sdk.scope(() => resolve()))));
    }
    const expected = (clients * (clients - 1)) / 2;
    let joinEvents = 0;
    let done!: () => void;
    const allSeen = new Promise<void>((resolve) => (done = resolve));
    const rooms = sdks.map((sdk) => sdk.room({ name: 'storm', ifexistsJoin: true }));
    for (const room of rooms) {
      room.on('join', () => {
        if (++joinEvents === expected) done();
      });
    }
    const cpuBefore = server.cpuSeconds();
    const started = performance.now();
    await rooms[0]!.createRoom();
    await Promise.all(rooms.slice(1).map((room) => room.join()));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      allSeen,
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`only ${joinEvents} of ${expected} joins seen`)), timeoutMs))),
    ]).finally(() => clearTimeout(timer));
    const seconds = (performance.now() - started) / 1000;
    return { clients, transport, seconds, serverCpuSeconds: server.cpuSeconds() - cpuBefore, joinEvents };
  } finally {
    for (const sdk of sdks) sdk.close();
    await server.stop();
  }
}
