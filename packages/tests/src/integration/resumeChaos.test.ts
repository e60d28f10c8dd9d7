import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '@mwse/engine';
import MWSE, { type Room } from '@mwse/client';
import { CutProxy } from '@mwse/testkit/cut-proxy';
import { SETUPS, eventually, settle } from './harness.js';
import { percentile } from './stats.js';

/** Clients per setup, the figure (MWSE_CHAOS_CLIENTS for another run). */
const N = Number(process.env.MWSE_CHAOS_CLIENTS ?? 200);
/** Direct messages each client sends its neighbour; every second one also goes to its room. */
const M = 100;
/**
 * Rooms of about ten: each member then receives ~450 room frames a second from the others, so
 * the few hundred milliseconds a cut keeps it away stay well inside the replay bound (1024
 * frames). Rooms of fifty would pass that bound, and the session would end as documented (the
 * bound itself is tested in resume.test.ts).
 */
const ROOMS = Math.max(1, Math.round(N / 10));
/** Every tenth direct message is followed by a request. */
const REQUEST_EVERY = 10;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Tracked {
  mwse: MWSE;
  index: number;
  room: Room;
  /** Direct message numbers received from the previous client, in arrival order. */
  direct: number[];
  /** Room message numbers received, per sender index. */
  roomPacks: Map<number, number[]>;
  /** Requests received, by "sender:k", to prove each arrived once. */
  requests: Map<string, number>;
  outcomes: { resumed: boolean; reason?: string }[];
  scopes: number;
  leaves: number;
  peerDisconnects: number;
  downAt: number;
  latencies: number[];
}

describe.each(SETUPS)('sessions survive TCP cuts over %s with %s frames', (transport, codec) => {
  let engine: Engine;
  let proxy: CutProxy;
  const all: Tracked[] = [];

  beforeAll(async () => {
    // Every client comes from 127.0.0.1, past the default cap of 128 per address.
    engine = await createEngine({ host: '127.0.0.1', port: 0, transport, resumeGrace: 120_000, maxConnectionsPerAddress: 10 * N });
    proxy = await new CutProxy(engine.port).start();
  });
  afterAll(async () => {
    for (const t of all) t.mwse.close();
    await proxy?.stop();
    await engine?.close();
  });

  async function connect(index: number): Promise<Tracked> {
    const mwse = new MWSE({ endpoint: proxy.endpoint, codec, reconnect: { initialDelay: 200, maxDelay: 1000 } });
    const t: Tracked = {
      mwse,
      index,
      room: undefined as unknown as Room,
      direct: [],
      roomPacks: new Map(),
      requests: new Map(),
      outcomes: [],
      scopes: 0,
      leaves: 0,
      peerDisconnects: 0,
      downAt: 0,
      latencies: [],
    };
    mwse.on('scope', () => (t.scopes += 1));
    mwse.on('disconnect', () => (t.downAt = performance.now()));
    mwse.on('reconnect', (outcome) => {
      t.outcomes.push(outcome);
      t.latencies.push(performance.now() - t.downAt);
    });
    mwse.on('peer/disconnect', () => (t.peerDisconnects += 1));
    mwse.on('message', (pack: { from: number; j: number }) => t.direct.push(pack.j));
    mwse.on('request', (request) => {
      const body = request.body as { from: number; k: number };
      const key = `${body.from}:${body.k}`;
      t.requests.set(key, (t.requests.get(key) ?? 0) + 1);
      request.response({ echo: body.k, by: index });
    });
    await mwse.scope();
    return t;
  }

  /** Everything a resume must keep, read back from the server. */
  async function snapshot(t: Tracked, peers: Tracked[]) {
    const pairs = await t.mwse.fetchPairs();
    const ids = (list: { socketId: string }[]) => list.map((p) => p.socketId).sort();
    const next = peers[(t.index + 1) % peers.length]!;
    return {
      socketId: t.mwse.me.socketId,
      pairs: { accepted: ids(pairs.accepted), acceptedBy: ids(pairs.acceptedBy), incoming: ids(pairs.incoming), outgoing: ids(pairs.outgoing) },
      members: ids(await t.room.fetchPeers()),
      owner: t.room.owner?.socketId,
      joined: t.room.joined,
      flags: await t.mwse.setSession({}),
      info: await next.mwse.peer(t.mwse.me.socketId).info.get(),
    };
  }

  it(`${N} clients exchanging direct, room and request traffic through random cuts: every frame once, in order, nobody sees a leave`, async () => {
    const started = performance.now();
    const peers = await Promise.all(Array.from({ length: N }, (_, i) => connect(i)));
    all.push(...peers);
    // Each client accepts the one before it (so direct traffic i → i+1 passes pair-auth).
    await Promise.all(peers.map((t, i) => t.mwse.peer(peers[(i + N - 1) % N]!.mwse.me.socketId).acceptPair()));
    for (const t of peers) {
      t.room = t.mwse.room({ name: `chaos-${t.index % ROOMS}`, joinType: 'free', ifexistsJoin: true });
      await t.room.createRoom();
      t.room.on('leave', () => (t.leaves += 1));
      t.room.on('message', (pack: { from: number; j: number }) => {
        const list = t.roomPacks.get(pack.from) ?? [];
        list.push(pack.j);
        t.roomPacks.set(pack.from, list);
      });
    }
    await Promise.all(peers.map((t) => t.mwse.me.info.set('n', t.index)));
    await Promise.all(peers.filter((t) => t.index % 2 === 1).map((t) => t.mwse.setSession({ readable: true, pairinfo: false })));
    const addresses = await Promise.all(peers.map((t) => t.mwse.claimAddress()));
    const before = await Promise.all(peers.map((t) => snapshot(t, peers)));

    const setupDone = performance.now();
    let traffic = true;
    // Cuts scale with the crowd (one per tick for 60 clients, four for 200), so about as many
    // connections are cut as there are clients, whatever N is.
    const cutsPerTick = Math.ceil(N / 60);
    const cutter = (async () => {
      while (traffic) {
        for (let k = 0; k < cutsPerTick; k++) proxy.cutRandom();
        await sleep(8);
      }
    })();
    const answers: Promise<{ echo: number; by: number }>[][] = peers.map(() => []);
    await Promise.all(
      peers.map(async (t, i) => {
        const next = t.mwse.peer(peers[(i + 1) % N]!.mwse.me.socketId);
        await sleep(Math.random() * 30);
        for (let j = 0; j < M; j++) {
          next.send({ from: i, j });
          if (j % 2 === 0) t.room.send({ from: i, j: j / 2 });
          if (j % REQUEST_EVERY === 0) answers[i]!.push(next.request({ from: i, k: j / REQUEST_EVERY }));
          if (j % 2 === 1) await sleep(Math.random() * 40);
        }
      }),
    );
    traffic = false;
    await cutter;
    const trafficDone = performance.now();
    const settled = await Promise.all(answers.map((list) => Promise.allSettled(list)));

    const roomSenders = (t: Tracked) => peers.filter((p) => p !== t && p.index % ROOMS === t.index % ROOMS);
    const refused = () => peers.flatMap((t) => t.outcomes.filter((o) => !o.resumed).map((o) => `${t.index}:${o.reason}`));
    await eventually(
      () =>
        peers.every(
          (t) =>
            t.direct.length >= M &&
            roomSenders(t).every((s) => (t.roomPacks.get(s.index)?.length ?? 0) >= M / 2),
        ),
      30_000,
      'every frame delivered',
    ).catch((error: Error) => {
      const lagging = peers
        .filter((t) => t.direct.length < M || roomSenders(t).some((s) => (t.roomPacks.get(s.index)?.length ?? 0) < M / 2))
        .map((t) => `${t.index}(${t.mwse.state},direct ${t.direct.length},pd ${t.peerDisconnects},out ${t.outcomes.length})`);
      throw new Error(`${error.message}; refused resumes: ${refused().join(' ')}; lagging: ${lagging.join(' ')}; metrics: ${engine.hub.metrics.render().split('\n').filter((l: string) => l.includes('resume') || l.includes('dropped') || l.includes('away')).join(' | ')}`);
    });
    await settle(300);
    const drained = performance.now();

    const range = (n: number) => Array.from({ length: n }, (_, k) => k);
    const latencies = peers.flatMap((t) => t.latencies);
    console.log(
      `[resume ${transport}/${codec}] ${N} clients, ${proxy.cuts} cuts, ${latencies.length} resumes: ` +
        `socket cut → reconnect {resumed: true} p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms; ` +
        `set-up ${((setupDone - started) / 1000).toFixed(1)} s, traffic ${((trafficDone - setupDone) / 1000).toFixed(1)} s, ` +
        `last frames in ${((drained - trafficDone) / 1000).toFixed(1)} s (clients, proxy and server share this process)`,
    );
    expect(proxy.cuts).toBeGreaterThan(N / 2);
    for (const t of peers) {
      expect(t.outcomes.every((o) => o.resumed), `client ${t.index}: ${JSON.stringify(t.outcomes)}`).toBe(true);
      expect(t.scopes).toBe(1);
      expect(t.direct).toEqual(range(M));
      for (const s of roomSenders(t)) expect(t.roomPacks.get(s.index), `room pack ${s.index} → ${t.index}`).toEqual(range(M / 2));
      expect([...t.requests.values()].every((n) => n === 1)).toBe(true);
      expect(t.requests.size).toBe(M / REQUEST_EVERY);
      expect(t.leaves).toBe(0);
      expect(t.peerDisconnects).toBe(0);
    }
    for (const [i, list] of settled.entries()) {
      expect(list.map((r) => (r.status === 'fulfilled' ? r.value.echo : String(r.reason)))).toEqual(range(M / REQUEST_EVERY));
      expect(list.every((r) => r.status === 'fulfilled' && r.value.by === (i + 1) % N)).toBe(true);
    }
    expect(peers.reduce((n, t) => n + t.outcomes.length, 0)).toBeGreaterThan(0);
    const after = await Promise.all(peers.map((t) => snapshot(t, peers)));
    expect(after).toEqual(before);
    const resolved = await Promise.all(addresses.map((a, i) => peers[(i + 1) % N]!.mwse.resolveAddress(a.ip)));
    expect(resolved.map((p) => p.socketId)).toEqual(peers.map((t) => t.mwse.me.socketId));
  }, 120_000);
});
