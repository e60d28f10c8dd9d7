import { startRedis, type TestRedis } from '@mwse/testkit/redis';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { mwseDialect } from '../generator/mwseDialect.js';
import { makePack, timedBody } from '../generator/payload.js';
import { probeDirect } from '../generator/probe.js';
import { machineBusySeconds, processCpuSeconds } from '../procStats.js';
import { buildBaseline } from '../baseline.js';
import { ServerProcess } from '../ServerProcess.js';
import { median, percentile } from '../stats.js';
import { callgrindControl, callgrindDump } from '../workloads/measure.js';
import { DELIVER_LUA, packFrames } from './deliverScript.js';
import { oneWayLatency, type OneWayResult } from './oneWayLatency.js';
import { openPairs, startNodes, type Topology } from './topology.js';

/*
 * The cluster spike (docs/cluster.md, "Spike"), `pnpm bench --cluster-spike`. In one run, on a
 * redis-server of its own (no persistence: durability is not what is measured):
 *   1. the deliver script alone: frames/s and calls/s at 1, 20 and 100 frames per call;
 *   2. relay throughput, closed loop: one node (no Redis) against two nodes sharing the Redis
 *      with every pair split across them; msg/s and msg per server CPU second, Redis included;
 *   3. request/response latency across the nodes at half the measured maximum rate (open loop).
 */

export interface SpikeOptions {
  duration: number;
  warmup: number;
  rounds: number;
  connections: number;
  window: number;
  /** Ceiling of the offered request rate in the latency part. */
  rate: number;
  /** `--baseline <ref>`: also two nodes of the engine built at that commit. */
  baseline?: string;
  /** `--cluster-engine`: the topologies to run (`CLUSTER_TOPOLOGIES`); all when unset. */
  topologies?: string[];
  /** `--cluster-engine`: throughput only. */
  skipLatency?: boolean;
  /** `--cluster-engine`: the one-way latency's offered rates (msg/s). */
  latencyRates?: number[];
  /** Extra node flags for the engine nodes (`--server-flags`, e.g. `--cpu-prof`). */
  serverFlags?: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The repository (dist/run.js is in bench/dist). */
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const PREFIX = 'spike:';
/** The low offered rate of the latency part (requests/s; twice as many messages one way). */
const LOW_RATE = 1000;
/** Generator processes of the one-way latency part: one per core, so the offered rate is met. */
const LATENCY_WORKERS = 2;

/** CPU seconds of `pids` and of this process, and the machine's busy seconds, over a window. */
function cpuWindow(pids: number[]) {
  const t0 = performance.now();
  const s0 = pids.map(processCpuSeconds);
  const g0 = process.cpuUsage();
  const b0 = machineBusySeconds();
  return () => {
    const seconds = (performance.now() - t0) / 1000;
    const per = pids.map((pid, i) => processCpuSeconds(pid) - s0[i]!);
    const g = process.cpuUsage(g0);
    const generator = (g.user + g.system) / 1e6;
    const server = per.reduce((a, b) => a + b, 0);
    const other = Math.max(0, machineBusySeconds() - b0 - server - generator);
    return { seconds, per, server, generator, other };
  };
}

/** PUBLISH calls Redis has run so far (the engine's bus: `--cluster-engine`). */
async function publishCalls(client: Redis): Promise<number> {
  const info = await client.info('commandstats');
  return Number(info.match(/cmdstat_publish:calls=(\d+)/)?.[1] ?? 0);
}

/** Drop the engine's bus logs, so the next topology on this Redis measures its own (and its memory). */
async function clearLogs(admin: Redis): Promise<void> {
  const keys = await admin.keys('mwse:cluster:log:*');
  if (keys.length > 0) await admin.del(...keys);
}

/** Script calls Redis has run so far (EVALSHA and EVAL). */
async function scriptCalls(client: Redis): Promise<number> {
  const info = await client.info('commandstats');
  let calls = 0;
  for (const match of info.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)) calls += Number(match[1]);
  return calls;
}

/**
 * 1. The script alone: `clients` ioredis connections with 16 calls in flight each, frames of
 * `framesPerCall` spread over `targets` sessions (one stream entry and one publish part each per
 * call). Redis's CPU shows how near it is to its one core.
 */
async function scriptAlone(redis: TestRedis, framesPerCall: number, targets: number, seconds: number) {
  const clients = Array.from({ length: 4 }, () => {
    const client = new Redis(redis.url);
    client.defineCommand('deliver', { numberOfKeys: 0, lua: DELIVER_LUA });
    return client;
  });
  // Targets on a node nobody subscribes to: PUBLISH still runs, to no one.
  const ids = Array.from({ length: targets }, () => randomUUID());
  for (const id of ids) await clients[0]!.hset(`${PREFIX}s:${id}`, 'node', 'nowhere', 'auth', '0');
  const frame = Buffer.from(`{"type":"pack","from":"${randomUUID()}","pack":${makePack()}}`);
  const from = randomUUID();
  const packed = packFrames(Array.from({ length: framesPerCall }, (_, i) => ({ from, to: ids[i % targets]!, data: frame })));
  let calls = 0;
  const deadline = performance.now() + seconds * 1000;
  const cpu = cpuWindow([redis.pid!]);
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    clients.flatMap((client) => {
      const deliver = (client as unknown as { deliver(prefix: string, frames: Buffer): Promise<unknown> }).deliver.bind(client);
      return Array.from({ length: 16 }, async () => {
        while (performance.now() < deadline) {
          await deliver(PREFIX, packed);
          calls++;
        }
      });
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  const used = cpu();
  const c = process.cpuUsage(client0);
  await Promise.all(clients.map((client) => client.quit()));
  const redisCpu = used.server / used.seconds;
  return {
    callsPerSec: calls / wall,
    framesPerSec: (calls * framesPerCall) / wall,
    redisCpu,
    perRedisCpuSec: (calls * framesPerCall) / used.server,
    clientCpu: (c.user + c.system) / 1e6 / wall,
  };
}

/** 2. Closed-loop throughput of a topology (the pairs workload, split across nodes). */
async function throughput(topology: Topology, redis: TestRedis, admin: Redis, o: SpikeOptions) {
  const nodes = await startNodes(topology, o.serverFlags);
  const pairs = await openPairs(nodes, o.connections, topology);
  const conns = pairs.flat();
  try {
    const pack = makePack();
    for (const [a, b] of pairs) {
      a.load(mwseDialect.packTo(b.id, pack), o.window);
      b.load(mwseDialect.packTo(a.id, pack), o.window);
    }
    await Promise.all(pairs.flatMap(([a, b]) => [probeDirect(mwseDialect, a, b, pack), probeDirect(mwseDialect, b, a, pack)]));
    let delivered = 0;
    for (const conn of conns) {
      conn.countOnly(0);
      conn.onCount = (n) => {
        delivered += n;
        conn.sendLoaded(n);
      };
    }
    for (const conn of conns) conn.sendLoaded(o.window);
    await sleep(o.warmup * 1000);
    const clustered = topology.nodes.some((url) => url !== 'local');
    const pids = [...nodes.map((n) => n.pid), ...(clustered ? [redis.pid!] : [])];
    const count = topology.engine ? publishCalls : scriptCalls;
    const calls0 = clustered ? await count(admin) : 0;
    // Under callgrind (BENCH_SERVER_WRAP, BENCH_CALLGRIND_DIR): the nodes' instructions in the window.
    const callgrind = topology.engine ? process.env.BENCH_CALLGRIND_DIR : undefined;
    if (callgrind) for (const n of nodes) callgrindControl(n.pid, '--zero');
    const d0 = delivered;
    const cpu = cpuWindow(pids);
    await sleep(o.duration * 1000);
    const used = cpu();
    const frames = delivered - d0;
    const instructions = callgrind ? nodes.reduce((sum, n) => sum + callgrindDump(n.pid, callgrind), 0) : 0;
    const calls = clustered ? (await count(admin)) - calls0 - (topology.engine ? 0 : 1) : 0;
    // The engine's bus logs: what the streams behind the channels hold at the end of the window.
    let logBytes = 0;
    let logSeconds = 0;
    if (clustered && topology.engine) {
      for (const key of await admin.keys('mwse:cluster:log:*')) {
        logBytes += Number((await admin.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0);
        const [first] = await admin.xrange(key, '-', '+', 'COUNT', 1);
        const [last] = await admin.xrevrange(key, '+', '-', 'COUNT', 1);
        if (first && last) logSeconds = Math.max(logSeconds, (Number(last[0].split('-')[0]) - Number(first[0].split('-')[0])) / 1000);
      }
      await clearLogs(admin);
    }
    return {
      msgPerSec: frames / used.seconds,
      msgPerServerCpuSec: frames / used.server,
      serverCpu: used.server / used.seconds,
      redisCpu: clustered ? used.per.at(-1)! / used.seconds : 0,
      generatorCpu: used.generator / used.seconds,
      otherCpu: used.other / used.seconds,
      framesPerCall: calls > 0 ? frames / calls : 0,
      callsPerSec: calls / used.seconds,
      logMb: logBytes / 1e6,
      logSeconds,
      instructionsPerMsg: frames > 0 ? instructions / frames : 0,
    };
  } finally {
    for (const conn of conns) conn.close();
    await Promise.all(nodes.map((n) => n.stop()));
  }
}

/** 3. Round-trip latency (request there, response back: two crossings) at `rate` requests/s, open loop. */
async function latency(topology: Topology, rate: number, o: SpikeOptions, redis?: TestRedis, admin?: Redis) {
  const nodes = await startNodes(topology);
  const pairs = await openPairs(nodes, o.connections, topology);
  let timer: NodeJS.Timeout | undefined;
  try {
    const samples: number[] = [];
    let recording = false;
    let answered = 0;
    let doubled = 0;
    const nextId = pairs.map(() => 1);
    for (const [asker, answerer] of pairs) {
      answerer.onMessage = (msg) => {
        const request = mwseDialect.readRequest(msg);
        if (request) answerer.send(request.answer);
      };
      const seen = new Set<number>();
      asker.onMessage = (msg) => {
        const response = mwseDialect.readResponse(msg);
        const sentAt = (response?.body as { t?: number } | null)?.t;
        if (typeof sentAt !== 'number') return;
        // A request answered twice is counted once (and reported).
        if (seen.has(response!.id)) {
          doubled++;
          return;
        }
        seen.add(response!.id);
        answered++;
        if (recording) samples.push(performance.now() - sentAt);
      };
    }
    const start = performance.now();
    let sent = 0;
    let turn = 0;
    timer = setInterval(() => {
      const due = Math.floor(((performance.now() - start) / 1000) * rate) - sent;
      for (let k = 0; k < due; k++, sent++, turn = (turn + 1) % pairs.length) {
        const [asker, answerer] = pairs[turn]!;
        asker.send(mwseDialect.requestTo(nextId[turn]!++, answerer.id, timedBody(performance.now())));
      }
    }, 2);
    await sleep(o.warmup * 1000);
    recording = true;
    const a0 = answered;
    // With a Redis: its CPU and its script calls (bus deliveries and session-record writes) meanwhile.
    const clustered = admin !== undefined && topology.nodes.some((url) => url !== 'local');
    const calls0 = clustered ? await scriptCalls(admin) : 0;
    const cpu = cpuWindow(clustered ? [redis!.pid!] : []);
    await sleep(o.duration * 1000);
    recording = false;
    const used = cpu();
    const calls = clustered ? (await scriptCalls(admin)) - calls0 : 0;
    // Over the window as it really lasted (a busy generator wakes late from its sleep).
    const achieved = (answered - a0) / used.seconds;
    return {
      rate,
      achieved,
      p50: percentile(samples, 50),
      p99: percentile(samples, 99),
      samples: samples.length,
      doubled,
      redisCpu: clustered ? used.server / used.seconds : 0,
      scriptCallsPerSec: calls / used.seconds,
    };
  } finally {
    clearInterval(timer);
    for (const [a, b] of pairs) {
      a.close();
      b.close();
    }
    await Promise.all(nodes.map((n) => n.stop()));
  }
}

const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-');

/** Run the whole spike and print the tables. */
export async function clusterSpike(o: SpikeOptions): Promise<void> {
  const redis = await startRedis({ appendonly: false });
  const admin = new Redis(redis.url);
  try {
    console.log(`redis-server ${(await admin.info('server')).match(/redis_version:(\S+)/)?.[1]} on port ${redis.port} (own, no persistence)\n`);
    console.log('1. deliver script alone (4 ioredis connections x 16 calls in flight)');
    console.log('frames/call | distinct targets | calls/s | frames/s | Redis CPU | frames per Redis CPU-s | client CPU');
    for (const [n, targets] of [[1, 1], [20, 20], [20, 1], [100, 100], [100, 10], [1000, 75]] as const) {
      const r = await scriptAlone(redis, n, targets, o.duration);
      console.log(`${n} | ${targets} | ${fmt(r.callsPerSec)} | ${fmt(r.framesPerSec)} | ${(r.redisCpu * 100).toFixed(0)}% | ${fmt(r.perRedisCpuSec)} | ${(r.clientCpu * 100).toFixed(0)}%`);
    }
    const one: Topology = { name: 'one node (no Redis)', nodes: ['local'] };
    const perTurn: Topology = { name: 'two nodes, split, one call per turn', nodes: [redis.url, redis.url], inFlight: 0 };
    const two: Topology = { name: 'two nodes, split, one call in flight', nodes: [redis.url, redis.url], inFlight: 1 };
    const topologies = [one, perTurn, two];
    const results = new Map<string, Awaited<ReturnType<typeof throughput>>[]>();
    for (let round = 0; round < o.rounds; round++) {
      // Order rotated each round, so a disturbance does not always hit the same topology.
      for (let k = 0; k < topologies.length; k++) {
        const t = topologies[(k + round) % topologies.length]!;
        const r = await throughput(t, redis, admin, o);
        results.set(t.name, [...(results.get(t.name) ?? []), r]);
      }
    }
    console.log(`\n2. relay throughput, closed loop (${o.connections} connections, window ${o.window}, ${o.rounds} rounds, medians)`);
    console.log('topology | msg/s | msg per server CPU-s | server CPU (cores, Redis incl.) | Redis CPU | frames/call | script calls/s | generator CPU | other CPU');
    const medians = new Map<string, { msgPerSec: number; perCpu: number }>();
    for (const t of topologies) {
      const rs = results.get(t.name)!;
      const m = (key: keyof (typeof rs)[number]) => median(rs.map((r) => r[key]));
      medians.set(t.name, { msgPerSec: m('msgPerSec'), perCpu: m('msgPerServerCpuSec') });
      console.log(
        `${t.name} | ${fmt(m('msgPerSec'))} | ${fmt(m('msgPerServerCpuSec'))} | ${m('serverCpu').toFixed(2)} | ${m('redisCpu').toFixed(2)} | ${m('framesPerCall').toFixed(1)} | ${fmt(m('callsPerSec'))} | ${m('generatorCpu').toFixed(2)} | ${m('otherCpu').toFixed(2)} | ${m('instructionsPerMsg') ? fmt(m('instructionsPerMsg')) : '-'}`,
      );
    }
    const a = medians.get(one.name)!;
    const b = medians.get(two.name)!;
    const c = medians.get(perTurn.name)!;
    console.log(`two nodes (one call in flight) / one node: ${(b.msgPerSec / a.msgPerSec).toFixed(2)}x msg/s, ${(b.perCpu / a.perCpu).toFixed(2)}x msg per CPU-s`);
    console.log(`two nodes (one call per turn) / one node: ${(c.msgPerSec / a.msgPerSec).toFixed(2)}x msg/s, ${(c.perCpu / a.perCpu).toFixed(2)}x msg per CPU-s`);
    console.log(`\n3. request/response latency at half the maximum rate (round trip = two relayed messages; offered rate capped at ${fmt(o.rate)} req/s, what one generator process sends on time)`);
    console.log('topology | offered req/s | achieved | p50 ms | p99 ms | samples');
    for (const t of topologies) {
      // And at a low fixed rate, where what is left is the path itself (and the machine's other load).
      for (const rate of [Math.min(o.rate, Math.round(medians.get(t.name)!.msgPerSec / 2 / 2)), LOW_RATE]) {
        const r = await latency(t, rate, o);
        console.log(`${t.name} | ${fmt(r.rate)} | ${fmt(r.achieved)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.samples}`);
      }
    }
  } finally {
    await admin.quit();
    await redis.stop();
  }
}

/**
 * `pnpm bench --cluster-engine`: @mwse/engine itself, one node without Redis against two cluster
 * nodes on a redis-server of its own with every pair split across them; "calls" are PUBLISHes
 * (one per target node per turn, plus each node's lease probe). Then request/response latency of
 * every topology, open loop, at 1,000 req/s, and the one-way latency of direct messages at 2,000
 * msg/s and at half the maximum two-node rate (its closed-loop msg/s over two), from two generator
 * processes (oneWayLatency.ts). `--baseline <ref>` adds that build's two nodes, plain and with
 * sessions mirrored.
 */
export async function clusterEngine(o: SpikeOptions): Promise<void> {
  const redis = await startRedis({ appendonly: false });
  const admin = new Redis(redis.url);
  try {
    console.log(`redis-server ${(await admin.info('server')).match(/redis_version:(\S+)/)?.[1]} on port ${redis.port} (own, no persistence)\n`);
    const one: Topology = { name: 'engine, one node (no Redis)', key: 'one', nodes: ['local'], engine: true };
    const two: Topology = { name: 'engine, two nodes, every pair split', key: 'two', nodes: [redis.url, redis.url], engine: true };
    const kept: Topology = { name: 'engine, two nodes, every pair split, resume on, takeover off', key: 'kept', nodes: [redis.url, redis.url], engine: true, resume: 'local' };
    const mirrored: Topology = { name: 'engine, two nodes, every pair split, resume on, sessions mirrored', key: 'mirrored', nodes: [redis.url, redis.url], engine: true, resume: 'mirrored' };
    // Every pair on one node of a cluster: with sessions mirrored, each frame goes through the
    // node's own log in Redis before its socket (docs/cluster.md, "Node death").
    const alone: Topology = { name: 'engine, one node on Redis, resume on, sessions mirrored', key: 'alone', nodes: [redis.url], engine: true, resume: 'mirrored' };
    // --topologies: the ones chosen (and their baselines); one and two are always measured, the ratios need them.
    const chosen = (t: Topology) => !o.topologies || o.topologies.includes(t.key!);
    const topologies = [one, two, kept, mirrored, alone].filter((t) => t === one || t === two || chosen(t));
    // --baseline <ref>: the engine built at another commit, two nodes, measured in the same run.
    if (o.baseline) {
      const base = buildBaseline(o.baseline, REPO);
      const of = (t: Topology): Topology => ({ ...t, name: `${t.name} (${base.commit})`, engineModule: base.engine });
      for (const t of [alone, two, mirrored]) if (t === two || chosen(t)) topologies.push(of(t));
    }
    const results = new Map<string, Awaited<ReturnType<typeof throughput>>[]>();
    for (let round = 0; round < o.rounds; round++) {
      for (let k = 0; k < topologies.length; k++) {
        const t = topologies[(k + round) % topologies.length]!;
        results.set(t.name, [...(results.get(t.name) ?? []), await throughput(t, redis, admin, o)]);
      }
    }
    console.log(`relay throughput, closed loop (${o.connections} connections, window ${o.window}, ${o.rounds} rounds, medians)`);
    console.log('topology | msg/s | msg per server CPU-s | server CPU (cores, Redis incl.) | Redis CPU | frames/publish | bus logs (MB, seconds held) | generator CPU | other CPU | node instructions/msg');
    const medians = new Map<string, { msgPerSec: number; perCpu: number }>();
    for (const t of topologies) {
      const rs = results.get(t.name)!;
      const m = (key: keyof (typeof rs)[number]) => median(rs.map((r) => r[key]));
      medians.set(t.name, { msgPerSec: m('msgPerSec'), perCpu: m('msgPerServerCpuSec') });
      console.log(
        `${t.name} | ${fmt(m('msgPerSec'))} | ${fmt(m('msgPerServerCpuSec'))} | ${m('serverCpu').toFixed(2)} | ${m('redisCpu').toFixed(2)} | ${m('framesPerCall').toFixed(1)} | ${m('logMb').toFixed(1)}, ${m('logSeconds').toFixed(1)} s | ${m('generatorCpu').toFixed(2)} | ${m('otherCpu').toFixed(2)} | ${m('instructionsPerMsg') ? fmt(m('instructionsPerMsg')) : '-'}`,
      );
    }
    const a = medians.get(one.name)!;
    const b = medians.get(two.name)!;
    console.log(`two nodes / one node: ${(b.msgPerSec / a.msgPerSec).toFixed(2)}x msg/s, ${(b.perCpu / a.perCpu).toFixed(2)}x msg per CPU-s`);
    const k = medians.get(kept.name);
    const c = medians.get(mirrored.name);
    if (k && c) console.log(`two nodes with resume, sessions mirrored / takeover off: ${(c.msgPerSec / k.msgPerSec).toFixed(2)}x msg/s, ${(c.perCpu / k.perCpu).toFixed(2)}x msg per CPU-s`);
    if (o.skipLatency) return;
    console.log(`\nrequest/response latency (round trip: two relayed messages), open loop, at ${fmt(LOW_RATE)} req/s (one generator process)`);
    console.log('topology | offered req/s | achieved | p50 ms | p99 ms | samples | answered twice | Redis CPU | script calls/s');
    for (const t of topologies) {
      const r = await latency(t, LOW_RATE, o, redis, admin);
      console.log(`${t.name} | ${fmt(r.rate)} | ${fmt(r.achieved)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.samples} | ${r.doubled} | ${r.redisCpu.toFixed(2)} | ${fmt(r.scriptCallsPerSec)}`);
    }
    // Half the maximum two-node rate, in messages: each one crosses from one node to the other.
    const half = Math.round(b.msgPerSec / 2);
    console.log(`\none-way latency of direct messages, open loop, at ${fmt(LOW_RATE * 2)} msg/s and at half the maximum two-node rate (${fmt(half)} msg/s), ${LATENCY_WORKERS} generator processes`);
    console.log('topology | offered msg/s | sent | delivered | p50 ms | p99 ms | p99.9 ms | max ms | samples | send lag p99 ms | generator loop delay p99 ms | busiest generator CPU | server CPU (Redis incl.) | other CPU');
    // At the high rate one node, two nodes, two with sessions mirrored and the baseline's two
    // nodes only (each run may queue for long on a loaded machine).
    const atHalf = topologies.filter((t) => t === one || t === two || t === mirrored || (t.engineModule && !t.resume));
    const oneWay = new Map<string, OneWayResult>();
    for (const rate of o.latencyRates ?? [LOW_RATE * 2, half]) {
      for (const t of atHalf) {
        const clustered = t.nodes.some((url) => url !== 'local');
        const r = await oneWayLatency(t, rate, o, LATENCY_WORKERS, clustered ? redis.pid : undefined);
        oneWay.set(`${t.name}@${rate}`, r);
        console.log(`${t.name} | ${fmt(r.rate)} | ${fmt(r.offered)} | ${fmt(r.achieved)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.p999.toFixed(2)} | ${r.max.toFixed(1)} | ${r.samples} | ${r.lagP99.toFixed(2)} | ${r.loopDelayP99.toFixed(2)} | ${r.generatorCpu.toFixed(2)} | ${r.serverCpu.toFixed(2)} | ${r.otherCpu.toFixed(2)}`);
        await clearLogs(admin);
      }
    }
    const l1 = oneWay.get(`${one.name}@${half}`);
    const l2 = oneWay.get(`${two.name}@${half}`);
    if (l1 && l2) console.log(`at half the maximum two-node rate, two nodes / one node: p50 ${(l2.p50 / l1.p50).toFixed(1)}x, p99 ${(l2.p99 / l1.p99).toFixed(1)}x`);
  } finally {
    await admin.quit();
    await redis.stop();
  }
}
