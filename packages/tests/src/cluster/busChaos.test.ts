/**
 * Chaos for the cluster's bus and its log (docs/cluster.md, "The bus"): pub/sub connections killed
 * in a loop, Redis paused 10 s, a node frozen 10 s. Sequenced direct messages between clients split
 * across two nodes, room messages in rooms homed on each node, pair operations meanwhile; after
 * each, no ghosts: the ghost gauges, room member lists and Redis keys equal the live ones. With
 * resume on, a node that fences itself keeps its sessions away and its clients resume. Each
 * test starts its own redis-server (AOF on) in a temp dir; loopback only; every loop is bounded.
 */
import { createConnection, createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import MWSE, { type Room } from '@mwse/client';
import { createEngine, type Engine } from '@mwse/engine';
import { redisMissing, startRedis, type TestRedis } from '@mwse/testkit/redis';
import { eventually, settle } from '../integration/harness.js';
import { gauge } from '../integration/crowd.js';
import { ghosts, quiet, spawnNode } from './nodes.js';
import { redisCall } from './redisRaw.js';

/** The cluster's keys in Redis of one kind (`room`, `lease`, `log`), by the name after it. */
async function keysOf(redis: TestRedis, kind: string): Promise<string[]> {
  const keys = (await redisCall(redis.port, `KEYS mwse:cluster:${kind}:*`)) as string[];
  return keys.map((k) => k.slice(`mwse:cluster:${kind}:`.length)).sort();
}

const metric = (engine: Engine, name: string) => gauge(engine.hub.metrics.render(), name);

async function connect(port: number, reconnect = false): Promise<MWSE> {
  const mwse = new MWSE({ endpoint: `ws://127.0.0.1:${port}/`, reconnect: reconnect ? { initialDelay: 200, maxDelay: 500 } : false });
  await new Promise<void>((resolve) => mwse.scope(() => resolve()));
  await mwse.disablePairAuth();
  // A new session (not resumed) starts with pair-auth on again.
  mwse.on('reconnect', (outcome) => {
    if (!outcome.resumed) void mwse.disablePairAuth().catch(() => undefined);
  });
  return mwse;
}

async function startNodes(redis: TestRedis, ids: string[], lease: number, resumeGrace = 0): Promise<Engine[]> {
  const engines: Engine[] = [];
  for (const nodeId of ids) {
    engines.push(
      await createEngine({ host: '127.0.0.1', port: 0, transport: 'ws', logger: quiet, rateLimit: 0, resumeGrace, cluster: { redis: redis.url, nodeId, lease } }),
    );
  }
  return engines;
}

/**
 * What each client received, as sequence numbers per (kind, sender): `d` direct, `r:<room>` room
 * messages. Lost, doubled and out-of-order counts against what each sender sent.
 */
class Ledger {
  readonly got = new Map<string, number[]>();

  watch(client: MWSE, rooms: Room[]): void {
    const me = client.me.socketId;
    client.on('message', (pack, peer) => this.add(`${me}|d|${peer.socketId}`, pack));
    for (const room of rooms) room.on('message', (pack, peer) => this.add(`${me}|r:${room.name}|${peer.socketId}`, pack));
  }

  private add(key: string, pack: unknown): void {
    const t = (pack as { t: number }).t;
    const list = this.got.get(key);
    if (list) list.push(t);
    else this.got.set(key, [t]);
  }

  /** `expected`: key → how many were sent (0…n-1). */
  count(expected: Map<string, number>): { lost: number; duplicated: number; outOfOrder: number; delivered: number } {
    let lost = 0;
    let duplicated = 0;
    let outOfOrder = 0;
    let delivered = 0;
    for (const [key, n] of expected) {
      const list = this.got.get(key) ?? [];
      const distinct = new Set(list);
      delivered += list.length;
      duplicated += list.length - distinct.size;
      for (let t = 0; t < n; t++) if (!distinct.has(t)) lost++;
      for (let i = 1; i < list.length; i++) if (list[i]! <= list[i - 1]!) outOfOrder++;
    }
    return { lost, duplicated, outOfOrder, delivered };
  }
}

/** Each side's view of one pair of peers, as `pair/list` says. */
async function pairViews(x: MWSE, y: MWSE): Promise<{ x: string[]; y: string[] }> {
  const view = async (me: MWSE, other: string) => {
    const pairs = await me.fetchPairs();
    return (['accepted', 'acceptedBy', 'incoming', 'outgoing'] as const).filter((k) => pairs[k].some((p) => p.socketId === other));
  };
  return { x: await view(x, y.me.socketId), y: await view(y, x.me.socketId) };
}

/** The mirror of a relation from the other side. */
const MIRROR = { accepted: 'acceptedBy', acceptedBy: 'accepted', incoming: 'outgoing', outgoing: 'incoming' } as Record<string, string>;

describe.skipIf(redisMissing())('the cluster bus under pub/sub connections killed in a loop', () => {
  it('loses nothing, doubles nothing, keeps order and pair state, and leaves no ghosts', async () => {
    const redis = await startRedis();
    // Leases long enough that a stall of this shared machine does not fence a node mid-test.
    const engines = await startNodes(redis, ['chaos-sub-a', 'chaos-sub-b'], 10_000);
    const [A, B] = engines as [Engine, Engine];
    const clients: MWSE[] = [];
    try {
      const as = [await connect(A.port), await connect(A.port), await connect(A.port)];
      const bs = [await connect(B.port), await connect(B.port), await connect(B.port)];
      clients.push(...as, ...bs);
      // One room homed on each node, every client in both.
      const rooms = new Map<MWSE, Room[]>();
      for (const c of clients) rooms.set(c, [c.room('chaos-ra'), c.room('chaos-rb')]);
      await rooms.get(as[0]!)![0]!.createRoom();
      await rooms.get(bs[0]!)![1]!.createRoom();
      for (const c of clients) {
        const [ra, rb] = rooms.get(c)!;
        if (c !== as[0]) await ra!.join();
        if (c !== bs[0]) await rb!.join();
      }
      const ledger = new Ledger();
      for (const c of clients) ledger.watch(c, rooms.get(c)!);

      const ROUNDS = 300;
      const traffic = (async () => {
        for (let t = 0; t < ROUNDS; t++) {
          for (let i = 0; i < as.length; i++) {
            as[i]!.peer(bs[i]!.me.socketId).send({ t });
            bs[i]!.peer(as[i]!.me.socketId).send({ t });
          }
          for (const c of clients) for (const room of rooms.get(c)!) room.send({ t });
          await settle(10);
        }
      })();
      // Pair operations across the nodes meanwhile; each call must be answered (not `unreachable`).
      const pairing = Promise.all(
        as.map(async (a, i) => {
          const b = bs[i]!;
          for (let k = 0; k < 4; k++) {
            await a.peer(b.me.socketId).requestPair();
            await b.peer(a.me.socketId).acceptPair();
            if (k < 3) await a.peer(b.me.socketId).endPair();
          }
        }),
      );
      let kills = 0;
      for (let k = 0; k < 10; k++) {
        await settle(300);
        const killed = (await redisCall(redis.port, 'CLIENT KILL TYPE pubsub')) as number;
        if (killed > 0) kills++;
      }
      expect(kills).toBe(10);
      await Promise.all([traffic, pairing]);

      const expected = new Map<string, number>();
      for (let i = 0; i < as.length; i++) {
        expected.set(`${bs[i]!.me.socketId}|d|${as[i]!.me.socketId}`, ROUNDS);
        expected.set(`${as[i]!.me.socketId}|d|${bs[i]!.me.socketId}`, ROUNDS);
      }
      for (const receiver of clients) {
        for (const sender of clients) {
          if (sender === receiver) continue;
          for (const room of ['chaos-ra', 'chaos-rb']) expected.set(`${receiver.me.socketId}|r:${room}|${sender.me.socketId}`, ROUNDS);
        }
      }
      const total = [...expected.values()].reduce((x, y) => x + y, 0);
      await eventually(() => ledger.count(expected).delivered >= total, 20_000, 'every message delivered').catch(() => undefined);
      const counts = ledger.count(expected);
      const recovered = metric(A, 'mwse_cluster_bus_recovered') + metric(B, 'mwse_cluster_bus_recovered');
      console.log(`pub/sub kills: ${kills}; ${JSON.stringify(counts)} of ${total}; batches read back from the log: ${recovered}`);
      expect(counts).toEqual({ lost: 0, duplicated: 0, outOfOrder: 0, delivered: total });
      // The channel did lose batches, and the log gave them back.
      expect(recovered).toBeGreaterThan(0);
      expect(metric(A, 'mwse_cluster_bus_state_lost') + metric(B, 'mwse_cluster_bus_state_lost')).toBe(0);

      // Pair state: each side's view mirrors the other's, and the last accept holds on both.
      for (let i = 0; i < as.length; i++) {
        const views = await pairViews(as[i]!, bs[i]!);
        expect(views.y.sort()).toEqual(views.x.map((k) => MIRROR[k]!).sort());
        expect(views.x).toContain('acceptedBy');
      }

      // No ghosts: each node holds exactly the other's three live clients; rooms list the six.
      expect(ghosts(A)).toBe(3);
      expect(ghosts(B)).toBe(3);
      for (const c of clients) {
        for (const room of rooms.get(c)!) {
          const ids = (await room.fetchPeers()).map((p) => p.socketId).sort();
          expect(ids).toEqual(clients.filter((o) => o !== c).map((o) => o.me.socketId).sort());
        }
      }
      expect(await keysOf(redis, 'room')).toEqual(['chaos-ra', 'chaos-rb']);
      expect(await keysOf(redis, 'lease')).toEqual(['chaos-sub-a', 'chaos-sub-b']);
      for (const node of await keysOf(redis, 'log')) expect(['chaos-sub-a', 'chaos-sub-b']).toContain(node);
      for (const c of clients) c.close();
      await eventually(() => ghosts(A) === 0 && ghosts(B) === 0, 5000, 'ghosts gone');
      await eventually(() => [...A.hub.allPeers()].length + [...B.hub.allPeers()].length === 0, 5000, 'peers gone');
      expect(await keysOf(redis, 'room')).toEqual([]);
    } finally {
      for (const c of clients) c.close();
      await Promise.all(engines.map((e) => e.close()));
      await redis.stop();
    }
  }, 60_000);
});

/**
 * One direction of sequenced direct messages between two clients whose sessions may be replaced:
 * sent to the receiver's current id, only while the sender's socket is open; each number marked
 * with the phase it was sent in.
 */
class Direction {
  readonly sent: { t: number; phase: string; at: number }[] = [];
  readonly received: { t: number; at: number; from: string }[] = [];
  private next = 0;
  phase = 'before';
  open = true;

  constructor(
    readonly from: MWSE,
    readonly to: MWSE,
  ) {
    from.on('disconnect', () => {
      this.open = false;
    });
    from.on('reconnect', () => {
      this.open = true;
    });
    to.on('message', (pack, peer) => {
      const t = (pack as { t?: number }).t;
      if (typeof t === 'number') this.received.push({ t, at: Date.now(), from: peer.socketId });
    });
  }

  tick(): void {
    if (!this.open) return;
    const t = this.next++;
    this.sent.push({ t, phase: this.phase, at: Date.now() });
    this.from.peer(this.to.me.socketId).send({ t });
  }

  count(phase: string): { sent: number; lost: number; duplicated: number; outOfOrder: number } {
    const got = this.received.map((r) => r.t);
    const distinct = new Set(got);
    const mine = this.sent.filter((s) => s.phase === phase);
    let outOfOrder = 0;
    for (let i = 1; i < got.length; i++) if (got[i]! <= got[i - 1]!) outOfOrder++;
    return { sent: mine.length, lost: mine.filter((s) => !distinct.has(s.t)).length, duplicated: got.length - distinct.size, outOfOrder };
  }
}

/** Run `directions` every 20 ms until `stop` resolves (bounded by `maxMs`). */
async function traffic(directions: Direction[], stop: Promise<unknown>, maxMs: number): Promise<void> {
  let done = false;
  void stop.finally(() => {
    done = true;
  });
  const until = Date.now() + maxMs;
  while (!done && Date.now() < until) {
    for (const d of directions) d.tick();
    await settle(20);
  }
}

function onceEvent<T extends unknown[]>(subscribe: (listener: (...args: T) => void) => void, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    subscribe((...args) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}

describe.skipIf(redisMissing())('the cluster bus when Redis is paused 10 s (SIGSTOP)', () => {
  it('loses nothing, doubles nothing, keeps order, serves again with no ghosts', async () => {
    const redis = await startRedis();
    const engines = await startNodes(redis, ['chaos-stop-a', 'chaos-stop-b'], 3000, 10_000);
    const [A, B] = engines as [Engine, Engine];
    const clients: MWSE[] = [];
    try {
      const a = await connect(A.port, true);
      const b = await connect(B.port, true);
      clients.push(a, b);
      const ids = [a.me.socketId, b.me.socketId];
      await a.room('chaos-stop').createRoom();
      await b.room('chaos-stop').join();
      const ab = new Direction(a, b);
      const ba = new Direction(b, a);
      const outcomes: unknown[] = [];
      for (const c of clients) c.on('reconnect', (o) => outcomes.push(o));
      const bothBack = Promise.all(clients.map((c) => onceEvent((l) => c.once('reconnect', l), 40_000, 'reconnect')));
      let stopped: () => void = () => {};
      const run = traffic([ab, ba], new Promise<void>((resolve) => (stopped = resolve)), 40_000);

      await settle(1000);
      // Frames sent in the last moments before the signal may be in flight when it lands: they
      // count with the pause.
      ab.phase = ba.phase = 'paused';
      await settle(100);
      process.kill(redis.pid!, 'SIGSTOP');
      try {
        await settle(10_000);
      } finally {
        process.kill(redis.pid!, 'SIGCONT');
      }
      await bothBack;
      await settle(300);
      ab.phase = ba.phase = 'after';
      await settle(2000);
      stopped();
      await run;
      await settle(1000);

      const report = { before: [ab.count('before'), ba.count('before')], paused: [ab.count('paused'), ba.count('paused')], after: [ab.count('after'), ba.count('after')] };
      console.log(`Redis paused 10 s: ${JSON.stringify(report)}; reconnect outcomes ${JSON.stringify(outcomes)}`);
      for (const d of [ab, ba]) {
        // Nothing is lost, not even what the nodes handled between the pause and their fence
        // (their publishes were refused, and sent again once they served); nothing is ever
        // doubled or reordered.
        expect(d.count('after').sent).toBeGreaterThan(20);
        expect(d.count('after').lost).toBe(0);
        expect(d.count('before').lost).toBe(0);
        expect(d.count('paused').lost).toBe(0);
        for (const phase of ['before', 'paused', 'after']) {
          expect(d.count(phase).duplicated).toBe(0);
          expect(d.count(phase).outOfOrder).toBe(0);
        }
      }
      // Both nodes closed their sockets (1001) and kept the sessions away: both resumed, same ids.
      expect(outcomes).toEqual([{ resumed: true }, { resumed: true }]);
      expect([a.me.socketId, b.me.socketId]).toEqual(ids);

      // No ghosts: each node holds the other's one live client (they exchange messages); the
      // room names in Redis are the rooms the nodes hold: the room lives on its home with its
      // owner (its session was kept), without the member of the other node (relations across a
      // fence end); Redis holds the live nodes' leases.
      expect(ghosts(A)).toBe(1);
      expect(ghosts(B)).toBe(1);
      expect((await a.room('chaos-stop').fetchPeers()).map((p) => p.socketId)).toEqual([]);
      expect(await keysOf(redis, 'room')).toEqual([...A.hub.rooms.keys(), ...B.hub.rooms.keys()].sort());
      expect(await keysOf(redis, 'room')).toEqual(['chaos-stop']);
      expect(await keysOf(redis, 'lease')).toEqual(['chaos-stop-a', 'chaos-stop-b']);
      for (const c of clients) c.close();
      await eventually(() => ghosts(A) === 0 && ghosts(B) === 0, 5000, 'ghosts gone');
      const until = Date.now() + 5000;
      while (Date.now() < until && (await keysOf(redis, 'room')).length > 0) await settle(100);
      expect(await keysOf(redis, 'room')).toEqual([]);
    } finally {
      for (const c of clients) c.close();
      await Promise.all(engines.map((e) => e.close()));
      await redis.stop();
    }
  }, 60_000);
});

/** Ghosts the node process listening on `port` holds, read from its /metrics. */
async function ghostsOf(port: number): Promise<number> {
  return gauge(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(), 'mwse_cluster_ghosts');
}

/** Once the clients closed: the in-process node `A` and the node process on `port` hold no ghost within 5 s. */
async function noGhostsLeft(A: Engine, port: number): Promise<void> {
  await eventually(() => ghosts(A) === 0, 5000, 'ghosts gone on A');
  const until = Date.now() + 5000;
  while (Date.now() < until && (await ghostsOf(port)) !== 0) await settle(100);
  expect(await ghostsOf(port)).toBe(0);
}

describe.skipIf(redisMissing())('the cluster bus when a node is frozen 10 s (SIGSTOP)', () => {
  it('fences the node when it wakes: nothing it sends then is applied; its clients come back; no ghosts', async () => {
    const redis = await startRedis();
    const [A] = await startNodes(redis, ['chaos-freeze-a'], 3000);
    const frozen = await spawnNode(redis.url, 'chaos-freeze-b');
    const clients: MWSE[] = [];
    try {
      const a = await connect(A!.port, true);
      const b = await connect(frozen.port, true);
      clients.push(a, b);
      const oldB = b.me.socketId;
      await a.room('chaos-freeze').createRoom();
      await b.room('chaos-freeze').join();
      const ab = new Direction(a, b);
      const ba = new Direction(b, a);
      const gone = onceEvent((l) => a.peer(oldB).once('disconnect', l), 20_000, 'peer/disconnect of the frozen node’s client').then(() => Date.now());
      const left = onceEvent((l) => a.room('chaos-freeze').once('leave', l), 20_000, 'room leave of the frozen node’s client');
      const back = onceEvent((l) => b.once('reconnect', l), 40_000, 'reconnect');
      let stopped: () => void = () => {};
      const run = traffic([ab, ba], new Promise<void>((resolve) => (stopped = resolve)), 40_000);

      await settle(1000);
      ab.phase = ba.phase = 'frozen';
      const frozenAt = Date.now();
      frozen.child.kill('SIGSTOP');
      try {
        await settle(10_000);
      } finally {
        frozen.child.kill('SIGCONT');
      }
      const goneAt = await gone;
      await left;
      const [outcome] = await back;
      await settle(300);
      ab.phase = ba.phase = 'after';
      await settle(2000);
      stopped();
      await run;
      await settle(1000);

      const fromOld = ba.received.filter((r) => r.from === oldB);
      const lateFromOld = fromOld.filter((r) => r.at > goneAt);
      const report = {
        goneAfterMs: goneAt - frozenAt,
        outcome,
        aToB: { before: ab.count('before'), frozen: ab.count('frozen'), after: ab.count('after') },
        bToA: { before: ba.count('before'), frozen: ba.count('frozen'), after: ba.count('after') },
        appliedAfterGone: lateFromOld.length,
      };
      console.log(`node frozen 10 s: ${JSON.stringify(report)}`);
      // The others took it for dead within its lease (and some): its client left.
      expect(goneAt - frozenAt).toBeLessThan(9000);
      // Fenced: nothing the woken node sent for its old client reached the other node after that.
      expect(lateFromOld).toEqual([]);
      // What its client sent once it was frozen was applied nowhere (a few sent just before the
      // signal took hold were handled before it: within the first moments, long before the lease).
      const sentFrozen = new Set(ba.sent.filter((s) => s.phase === 'frozen').map((s) => s.t));
      expect(ba.received.filter((r) => r.from === oldB && sentFrozen.has(r.t) && r.at > frozenAt + 1000)).toEqual([]);
      // Its client came back as a new session, and traffic both ways is whole again.
      expect(b.me.socketId).not.toBe(oldB);
      for (const d of [ab, ba]) {
        expect(d.count('after').sent).toBeGreaterThan(20);
        expect(d.count('after').lost).toBe(0);
        for (const phase of ['before', 'frozen', 'after']) {
          expect(d.count(phase).duplicated).toBe(0);
          expect(d.count(phase).outOfOrder).toBe(0);
        }
      }

      // No ghosts: each node holds the other's one live client; the room lists none of the old
      // client; Redis holds both leases and the one live room.
      const ghostsOfB = () => ghostsOf(frozen.port);
      expect(ghosts(A!)).toBe(1);
      expect(await ghostsOfB()).toBe(1);
      expect((await a.room('chaos-freeze').fetchPeers()).map((p) => p.socketId)).toEqual([]);
      expect(await keysOf(redis, 'room')).toEqual(['chaos-freeze']);
      expect(await keysOf(redis, 'lease')).toEqual(['chaos-freeze-a', 'chaos-freeze-b']);
      for (const node of await keysOf(redis, 'log')) expect(['chaos-freeze-a', 'chaos-freeze-b']).toContain(node);
      for (const c of clients) c.close();
      await noGhostsLeft(A!, frozen.port);
    } finally {
      for (const c of clients) c.close();
      frozen.child.kill('SIGCONT');
      frozen.child.kill('SIGKILL');
      await A!.close();
      await redis.stop();
    }
  }, 60_000);
});

describe.skipIf(redisMissing())('the cluster bus when a node is frozen 10 s (SIGSTOP), resume on', () => {
  it('fences the node when it wakes, keeps its sessions away: its client resumes there with its id; nothing lost or doubled', async () => {
    const redis = await startRedis();
    const [A] = await startNodes(redis, ['chaos-keep-a'], 3000, 20_000);
    const frozen = await spawnNode(redis.url, 'chaos-keep-b', { GRACE: '20000' });
    const clients: MWSE[] = [];
    try {
      const a = await connect(A!.port, true);
      const b = await connect(frozen.port, true);
      clients.push(a, b);
      const oldB = b.me.socketId;
      const ab = new Direction(a, b);
      const ba = new Direction(b, a);
      let goneAt = 0;
      a.peer(oldB).on('disconnect', () => {
        goneAt ||= Date.now();
      });
      const back = onceEvent((l) => b.once('reconnect', l), 40_000, 'reconnect');
      let stopped: () => void = () => {};
      const run = traffic([ab, ba], new Promise<void>((resolve) => (stopped = resolve)), 40_000);

      await settle(1000);
      ab.phase = ba.phase = 'frozen';
      await settle(100);
      const frozenAt = Date.now();
      frozen.child.kill('SIGSTOP');
      try {
        await settle(10_000);
      } finally {
        frozen.child.kill('SIGCONT');
      }
      const wokeAt = Date.now();
      const [outcome] = await back;
      await settle(300);
      ab.phase = ba.phase = 'after';
      await settle(2000);
      stopped();
      await run;
      await settle(1000);

      const report = {
        outcome,
        disconnectSeenAfterMs: goneAt ? goneAt - frozenAt : null,
        aToB: { before: ab.count('before'), frozen: ab.count('frozen'), after: ab.count('after') },
        bToA: { before: ba.count('before'), frozen: ba.count('frozen'), after: ba.count('after') },
      };
      console.log(`node frozen 10 s, resume on: ${JSON.stringify(report)}`);
      // Its client resumed on the woken node, same session, same id.
      expect(outcome).toEqual({ resumed: true });
      expect(b.me.socketId).toBe(oldB);
      // While it was frozen nobody was told its client left (away for takeover); a relation
      // across the fenced node ends once it is back (both sides forgot the other's peers).
      expect(goneAt === 0 || goneAt >= wokeAt).toBe(true);
      for (const d of [ab, ba]) {
        expect(d.count('before').lost).toBe(0);
        expect(d.count('after').sent).toBeGreaterThan(20);
        expect(d.count('after').lost).toBe(0);
        for (const phase of ['before', 'frozen', 'after']) {
          expect(d.count(phase).duplicated).toBe(0);
          expect(d.count(phase).outOfOrder).toBe(0);
        }
      }
      // What the other node sent the frozen node's client meanwhile was held and replayed: none
      // lost. What its client sent was read on waking but not handled before the node decided
      // (it fenced itself): uncounted, sent again by the client when it resumed: none lost.
      expect(ab.count('frozen').lost).toBe(0);
      expect(ba.count('frozen').lost).toBe(0);

      // No ghosts: each node holds the other's one live client; no sweep ended the kept session.
      const ghostsOfB = () => ghostsOf(frozen.port);
      expect(ghosts(A!)).toBe(1);
      expect(await ghostsOfB()).toBe(1);
      expect(await keysOf(redis, 'lease')).toEqual(['chaos-keep-a', 'chaos-keep-b']);
      expect(await keysOf(redis, 'session')).toEqual([a.me.socketId, oldB].sort());
      for (const c of clients) c.close();
      await noGhostsLeft(A!, frozen.port);
    } finally {
      for (const c of clients) c.close();
      frozen.child.kill('SIGCONT');
      frozen.child.kill('SIGKILL');
      await A!.close();
      await redis.stop();
    }
  }, 60_000);
});

/** A loopback TCP relay to `port` whose connections can be cut (the client sees its socket die, 1006). */
async function relay(port: number): Promise<{ port: number; cut: () => void }> {
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    const outbound = createConnection({ host: '127.0.0.1', port });
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: own } = server.address() as { port: number };
  return {
    port: own,
    cut: () => {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}

describe.skipIf(redisMissing())('a frozen node whose kept session was taken over meanwhile, resume on', () => {
  it('drops its copy when it wakes: the session lives on the taker only, nothing doubled', async () => {
    const redis = await startRedis();
    const [A] = await startNodes(redis, ['chaos-taken-a'], 3000, 20_000);
    const frozen = await spawnNode(redis.url, 'chaos-taken-b', { GRACE: '20000' });
    const via = await relay(frozen.port);
    const clients: MWSE[] = [];
    try {
      const a = await connect(A!.port, true);
      // Through the relay to the frozen node, the other node also in its list (a client starts on
      // a random endpoint: one that started on the other node is replaced, a bounded few times).
      let b: MWSE | undefined;
      for (let i = 0; i < 10 && !b; i++) {
        const c = new MWSE({ endpoint: [`ws://127.0.0.1:${via.port}/`, `ws://127.0.0.1:${A!.port}/`], reconnect: { initialDelay: 200, maxDelay: 500 } });
        await new Promise<void>((resolve) => c.scope(() => resolve()));
        if (A!.hub.peer(c.me.socketId)) c.close();
        else b = c;
      }
      if (!b) throw new Error('no client reached the relayed node in 10 tries');
      await b.disablePairAuth();
      clients.push(a, b);
      const id = b.me.socketId;
      const ab = new Direction(a, b);
      const back = onceEvent((l) => b.once('reconnect', l), 20_000, 'reconnect');
      let stopped: () => void = () => {};
      const run = traffic([ab], new Promise<void>((resolve) => (stopped = resolve)), 40_000);
      await settle(1000);
      ab.phase = 'frozen';
      frozen.child.kill('SIGSTOP');
      let woke = false;
      try {
        // Past its lease: the other node takes the session over when its client comes.
        await settle(4500);
        via.cut();
        const [outcome] = await back;
        expect(outcome).toEqual({ resumed: true });
        expect(b.me.socketId).toBe(id);
        expect(A!.hub.peer(id)).toBeDefined();
        await settle(3000);
      } finally {
        frozen.child.kill('SIGCONT');
        woke = true;
      }
      expect(woke).toBe(true);
      const metricsOfB = async () => (await fetch(`http://127.0.0.1:${frozen.port}/metrics`)).text();
      const readyz = () => fetch(`http://127.0.0.1:${frozen.port}/readyz`).then((r) => r.status);
      const until = Date.now() + 15_000;
      while (Date.now() < until && (await readyz().catch(() => 0)) !== 200) await settle(100);
      expect(await readyz()).toBe(200);
      // The woken node kept nothing of it: no session away there waiting out its grace.
      expect(gauge(await metricsOfB(), 'mwse_away_sessions')).toBe(0);
      ab.phase = 'after';
      await settle(2000);
      stopped();
      await run;
      await settle(1000);
      const report = { before: ab.count('before'), frozen: ab.count('frozen'), after: ab.count('after') };
      console.log(`session taken over while its node was frozen: ${JSON.stringify(report)}`);
      for (const phase of ['before', 'frozen', 'after']) {
        expect(ab.count(phase).duplicated).toBe(0);
        expect(ab.count(phase).outOfOrder).toBe(0);
      }
      expect(ab.count('after').sent).toBeGreaterThan(20);
      expect(ab.count('after').lost).toBe(0);
      // Its record is the taker's.
      expect(await redisCall(redis.port, `HGET mwse:cluster:session:${id} node`)).toBe('chaos-taken-a');
    } finally {
      for (const c of clients) c.close();
      via.cut();
      frozen.child.kill('SIGCONT');
      frozen.child.kill('SIGKILL');
      await A!.close();
      await redis.stop();
    }
  }, 60_000);
});

describe.skipIf(redisMissing())('a cluster node whose lease is gone', () => {
  it('sends nothing more: its next batch is refused, it fences itself, and the others forget its peers when it is back', async () => {
    const redis = await startRedis();
    const engines = await startNodes(redis, ['chaos-fence-a', 'chaos-fence-b'], 10_000);
    const [A, B] = engines as [Engine, Engine];
    const clients: MWSE[] = [];
    try {
      const a = await connect(A.port);
      const b = await connect(B.port);
      clients.push(a, b);
      const got: unknown[] = [];
      a.on('message', (pack) => got.push(pack));
      b.peer(a.me.socketId).send({ t: 'before' });
      await eventually(() => got.length === 1, 5000, 'the first message');
      expect(ghosts(A)).toBe(1);
      const closed = onceEvent((l) => b.once('disconnect', l), 10_000, 'the fenced node closing its socket');
      const forgotten = onceEvent((l) => a.peer(b.me.socketId).once('disconnect', l), 15_000, 'peer/disconnect of its client');
      // Its lease is gone for a moment (as if it had been taken for dead), then back, before
      // either node's next renewal or check: only the batch's own fence can see it.
      const lease = 'mwse:cluster:lease:chaos-fence-b';
      const tag = (await redisCall(redis.port, `GET ${lease}`)) as string;
      expect(await redisCall(redis.port, `DEL ${lease}`)).toBe(1);
      b.peer(a.me.socketId).send({ t: 'fenced' });
      await settle(150);
      await redisCall(redis.port, `SET ${lease} ${tag} PX 10000`);
      await closed;
      await forgotten;
      expect(got).toEqual([{ t: 'before' }]);
      expect(metric(B, 'mwse_cluster_bus_state_lost')).toBeGreaterThan(0);
      await eventually(() => ghosts(A) === 0, 5000, 'no ghost of the fenced node’s client');
      // Serving again.
      const readyz = () => fetch(`http://127.0.0.1:${B.port}/readyz`).then((r) => r.status);
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && (await readyz()) !== 200) await settle(100);
      const b2 = await connect(B.port);
      clients.push(b2);
      b2.peer(a.me.socketId).send({ t: 'after' });
      await eventually(() => got.length === 2, 5000, 'a message from the node once back');
      expect(got[1]).toEqual({ t: 'after' });
    } finally {
      for (const c of clients) c.close();
      await Promise.all(engines.map((e) => e.close()));
      await redis.stop();
    }
  }, 40_000);
});
