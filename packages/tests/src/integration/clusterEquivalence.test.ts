/**
 * State equivalence (docs/cluster.md): the same random operation sequences, run against one
 * engine and against a 2-node cluster with the clients split across the nodes, give every client
 * the same frames. Bounded: a few seeds, a few dozen operations each, one at a time, each waited
 * for (its answer, then a pause for what it pushed to others).
 */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createEngine, type Engine } from '@mwse/engine';
import { redisMissing, startRedis } from '@mwse/testkit/redis';
import { Prng } from './fuzz/Prng.js';

const SEEDS = [11, 23, 47];
const CLIENTS = 5;
const OPS = 45;
const ROOMS = ['r1', 'r2', 'r3'];
/** What the pushes of one operation may take to reach every client (loopback, through Redis). */
const PAUSE = 80;

type Frame = Record<string, unknown> & { type: string; id?: number };

/** A raw JSON client that records every frame after its hello and answers requests by echo. */
class Recorder {
  readonly frames: Frame[] = [];
  id = '';
  private waiting = new Map<number, () => void>();
  private nextId = 1;
  readonly ready: Promise<void>;

  constructor(readonly ws: WebSocket) {
    this.ready = new Promise((resolve) => {
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data)) as Frame;
        if (frame.type === 'hello') {
          this.id = frame.socketId as string;
          resolve();
          return;
        }
        this.frames.push(frame);
        if (frame.type === 'request') this.send({ type: 'response/to', id: frame.id, to: frame.from, body: { echo: frame.body } });
        if ((frame.type === 'result' || frame.type === 'error') && frame.id !== undefined) this.waiting.get(frame.id)?.();
      });
    });
  }

  send(frame: object): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** Send a frame with an id and wait for its answer (bounded). */
  async ask(frame: object): Promise<void> {
    const id = this.nextId++;
    const answered = new Promise<void>((resolve) => {
      this.waiting.set(id, resolve);
      setTimeout(resolve, 3000);
    });
    this.send({ ...frame, id });
    await answered;
    this.waiting.delete(id);
  }
}

/** One random operation by a live client. */
async function step(prng: Prng, clients: Recorder[], live: Set<number>, stranger: string): Promise<void> {
  const actors = [...live];
  const me = prng.pick(actors);
  const actor = clients[me]!;
  const other = () => (prng.chance(0.9) ? clients[prng.int(0, clients.length - 1)]!.id : stranger);
  const room = prng.pick(ROOMS);
  const roll = prng.int(0, 21);
  switch (roll) {
    case 0:
    case 1:
      actor.send({ type: 'pack/to', to: other(), pack: { n: prng.int(0, 99) } });
      return;
    case 2:
      actor.send({ type: 'signal/to', to: other(), data: { sdp: prng.int(0, 9) } });
      return;
    case 3:
      return actor.ask({ type: 'request/to', to: other(), body: prng.int(0, 9) });
    case 4:
      return actor.ask({ type: 'pair/request', to: other() });
    case 5:
      return actor.ask({ type: 'pair/accept', to: other() });
    case 6:
      return actor.ask({ type: prng.chance(0.5) ? 'pair/reject' : 'pair/end', to: other() });
    case 7:
      return actor.ask({ type: 'session/set', flags: { pairauth: prng.chance(0.4), readable: prng.chance(0.8), pairinfo: prng.chance(0.8) } });
    case 8:
      return actor.ask({ type: 'info/set', key: prng.pick(['a', 'b']), value: prng.chance(0.2) ? null : prng.int(0, 9) });
    case 9:
      return actor.ask({ type: 'info/get', peer: other(), ...(prng.chance(0.5) ? { key: 'a' } : {}) });
    case 10:
      return actor.ask({ type: 'peer/reachable', peer: other() });
    case 11: {
      const joinType = prng.pick(['free', 'free', 'invite', 'password', 'lock'] as const);
      return actor.ask({
        type: 'room/create',
        name: room,
        joinType,
        ...(joinType === 'password' ? { password: 'pw' } : {}),
        ...(prng.chance(0.3) ? { maxMembers: 2 } : {}),
        ...(prng.chance(0.3) ? { ifexistsJoin: true } : {}),
        ...(prng.chance(0.2) ? { visibility: 'private' } : {}),
      });
    }
    case 12:
    case 13:
      return actor.ask({ type: 'room/join', name: room, ...(prng.chance(0.5) ? { password: prng.pick(['pw', 'no']) } : {}) });
    case 14:
      return actor.ask({ type: 'room/leave', name: room });
    case 15:
      return actor.ask({ type: prng.pick(['room/invite', 'room/eject'] as const), name: room, peer: other() });
    case 16:
      return actor.ask({ type: prng.pick(['room/lock', 'room/unlock'] as const), name: room });
    case 17:
      actor.send({ type: 'pack/room', room, pack: { say: prng.int(0, 99) } });
      return;
    case 18:
      return actor.ask({ type: 'room/info/set', name: room, key: 'topic', value: prng.int(0, 9) });
    case 19:
      return actor.ask({ type: prng.pick(['room/peers', 'room/info/get'] as const), name: room });
    case 20:
      return actor.ask({ type: 'room/list' });
    default:
      // A disconnect, rarely, and never of the last two clients.
      if (live.size > 2 && prng.chance(0.35)) {
        live.delete(me);
        actor.ws.close();
      } else {
        actor.send({ type: 'pack/to', to: other(), pack: 'hi' });
      }
  }
}

/** Every client's frames with socket ids replaced by the client's index, lists in a stable order. */
function transcript(clients: Recorder[]): string[][] {
  const names = new Map(clients.map((c, i) => [c.id, `#${i}`]));
  const normal = (text: string) => text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}/g, (id) => names.get(id) ?? '#stranger');
  return clients.map((c) =>
    c.frames.map((frame) => {
      if (frame.type === 'result' && Array.isArray(frame.data) && frame.data.every((r) => typeof r === 'object' && r && 'name' in r)) {
        frame = { ...frame, data: [...(frame.data as { name: string }[])].sort((x, y) => x.name.localeCompare(y.name)) };
      }
      return normal(JSON.stringify(frame));
    }),
  );
}

async function run(seed: number, endpoints: string[]): Promise<string[][]> {
  const prng = new Prng(seed);
  const clients = Array.from({ length: CLIENTS }, (_, i) => new Recorder(new WebSocket(endpoints[i % endpoints.length]!)));
  await Promise.all(clients.map((c) => c.ready));
  const live = new Set(clients.map((_, i) => i));
  const stranger = prng.uuid();
  try {
    for (let i = 0; i < OPS; i++) {
      await step(prng, clients, live, stranger);
      await new Promise((r) => setTimeout(r, PAUSE));
    }
    await new Promise((r) => setTimeout(r, 300));
    return transcript(clients);
  } finally {
    for (const c of clients) c.ws.terminate();
  }
}

describe.skipIf(redisMissing())('a 2-node cluster against one engine', () => {
  it(`gives every client the same frames for ${SEEDS.length} random sequences of ${OPS} operations`, async () => {
    const redis = await startRedis({ appendonly: false });
    const base = { host: '127.0.0.1', port: 0, transport: 'ws' as const, rateLimit: 0 };
    const engines: Engine[] = [];
    try {
      const single = await createEngine(base);
      engines.push(single);
      const nodes = [
        await createEngine({ ...base, cluster: { redis: redis.url, nodeId: 'eq-a' } }),
        await createEngine({ ...base, cluster: { redis: redis.url, nodeId: 'eq-b' } }),
      ];
      engines.push(...nodes);
      const url = (e: Engine) => `ws://127.0.0.1:${e.port}/`;
      for (const seed of SEEDS) {
        const one = await run(seed, [url(single)]);
        const two = await run(seed, nodes.map(url));
        expect(two, `seed ${seed}`).toEqual(one);
        // The sequences do something: frames beyond the answers reached the clients.
        expect(one.flat().filter((f) => !f.startsWith('{"type":"result"') && !f.startsWith('{"type":"error"')).length).toBeGreaterThan(5);
        // Rooms of a run are gone once its clients are (the next run starts from nothing).
        for (let i = 0; i < 100 && engines.some((e) => e.hub.rooms.size > 0 || e.hub.size > 0); i++) await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await Promise.all(engines.map((e) => e.close()));
      await redis.stop();
    }
  }, 120_000);
});
