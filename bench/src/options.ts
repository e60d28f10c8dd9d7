import { parseArgs } from 'node:util';
import { SYSTEMS, type WorkloadName } from './systems.js';

export interface BenchOptions {
  /** Measured seconds per run, after the warm-up. */
  duration: number;
  warmup: number;
  rounds: number;
  /** Times a run disturbed by other processes is run again. */
  retries: number;
  /** Every system of a round at once, the servers sharing the server CPU (`runTogether`). */
  together: boolean;
  /** Systems to run (names from systems.ts). */
  only: string[];
  workloads: WorkloadName[];
  connections: number;
  /** Messages in flight per connection (inbound, for rooms). */
  window: number;
  /** Requests per second offered in the `requests` workload. */
  rate: number;
  /** Connections the `idle` workload opens and holds. */
  idleConnections: number;
  /** Profile the MWSE engine (uws) under the pairs workload instead of benchmarking. */
  profile: boolean;
  /** Measure the RSS of node after importing each server library, instead of benchmarking. */
  footprint: boolean;
  /** Run the cluster spike (Redis deliver script, two nodes) instead of the comparison. */
  clusterSpike: boolean;
  nodeFootprint: boolean;
  /** Memory per idle connection of a cluster node, and in Redis, instead of benchmarking. */
  clusterIdle: boolean;
  /** Benchmark the engine's cluster mode: one node against two with every pair split. */
  clusterEngine: boolean;
  /** `--cluster-engine` only: the topologies to run (keys of `CLUSTER_TOPOLOGIES`), all by default. */
  topologies?: string[];
  /** `--cluster-engine` only: throughput alone, no latency part. */
  skipLatency: boolean;
  /** `--cluster-engine` only: the one-way latency's offered rates (msg/s) instead of 2,000 and half the maximum. */
  latencyRates?: number[];
  /** Extra node flags for every server process, e.g. `--max-semi-space-size=2`. */
  serverFlags: string[];
  /** A git ref: each MWSE system also runs with the engine built at that commit. */
  baseline?: string;
  out?: string;
}

/** The cluster engine bench's topologies (bench/src/cluster/spike.ts, `clusterEngine`). */
export const CLUSTER_TOPOLOGIES = ['one', 'two', 'kept', 'mirrored', 'alone'];

export const WORKLOADS: WorkloadName[] = ['pairs', 'room10', 'room150', 'requests', 'idle'];

export const USAGE = `pnpm bench [options]
  --duration <s>     measured seconds per run (default 2)
  --warmup <s>       warm-up seconds per run, not measured (default 1)
  --rounds <n>       rounds; each round runs every system once, order rotated (default 3)
  --retries <n>      re-runs of a run during which other processes used > 15% of a core;
                     the least disturbed attempt counts (default 1; 0 on a quiet machine costs nothing)
  --together         run every system of a round at the same time, their servers sharing the
                     server's CPU and measured over one window: a machine that speeds up or slows
                     down does so for all of them, so their ratio holds where runs one after the
                     other swing (no retries; the generator drives them all, so best for pairs)
  --only <list>      systems, comma-separated: ${SYSTEMS.map((s) => s.name).join(',')}
  --workloads <list> ${WORKLOADS.join(',')} (default: all)
  --connections <n>  connections (default 150)
  --window <n>       messages in flight per connection (default 64)
  --rate <n>         requests/s offered in the requests workload (default 10000)
  --idle-connections <n>
                     connections the idle workload holds open (default 10000); the runner and
                     each server need that many file descriptors (ulimit -n) plus ~200
  --profile          CPU-profile the MWSE engine (uws) under the pairs workload
                     (with --only: profile those systems; with --workloads: under the first
                     throughput workload listed)
  --footprint        RSS of a bare node process and after importing each server library
                     (@mwse/engine, uWebSockets.js, ws, socket.io), then exit
  --cluster-engine   @mwse/engine in cluster mode on a redis-server of its own: one node (no
                     Redis) against two nodes with every pair split across them (msg/s, msg
                     per CPU-s with Redis's CPU), then request latency at 1,000 req/s and
                     one-way latency at 2,000 msg/s and at half the two-node maximum
  --topologies <list>
                     with --cluster-engine: ${CLUSTER_TOPOLOGIES.join(',')} (default: all)
  --latency-rates <list>
                     with --cluster-engine: the one-way latency's offered msg/s, comma-separated
                     (default: 2000 and half the two-node maximum)
  --skip-latency     with --cluster-engine: throughput only; with BENCH_CALLGRIND_DIR and
                     BENCH_SERVER_WRAP (see README) it also counts the nodes' instructions per message
  --cluster-spike    the cluster spike on a redis-server of its own (/usr/bin/redis-server):
                     the batched deliver script alone, then one node against two nodes with
                     every pair split across them (msg/s, msg per CPU-s with Redis's CPU),
                     and latency at half the maximum rate; uses --duration --warmup --rounds
                     --connections --window (docs/cluster.md)
  --node-footprint   idle RSS of mwse-server: a single node, a cluster node and --workers 2
                     (the primary and each worker), on a redis-server of its own (docs/cluster.md)
  --cluster-idle     memory per idle connection (--idle-connections) of one engine node: single,
                     cluster with resume off, cluster with sessions mirrored; and the bytes and
                     keys Redis holds per connection (docs/cluster.md, "Sizing")
  --server-flags=<f> extra node flags for the servers, space-separated; write it with "=",
                     e.g. --server-flags="--max-semi-space-size=2"
  --baseline <ref>   also run each chosen MWSE system (mwse-*) with the engine built at that git
                     commit, as <name>@<commit>, in the same rounds (built once into .cache/);
                     with --cluster-engine: also two nodes of that build
  --out <file>       JSON result file (default results/<date>.json)`;

function list(value: string | undefined, known: readonly string[], what: string): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) if (!known.includes(item)) throw new Error(`unknown ${what} "${item}"\n${USAGE}`);
  return items;
}

function positive(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number\n${USAGE}`);
  return n;
}

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
      retries: { type: 'string' },
      together: { type: 'boolean', default: false },
      only: { type: 'string' },
      workloads: { type: 'string' },
      connections: { type: 'string' },
      window: { type: 'string' },
      rate: { type: 'string' },
      'idle-connections': { type: 'string' },
      profile: { type: 'boolean', default: false },
      footprint: { type: 'boolean', default: false },
      'cluster-spike': { type: 'boolean', default: false },
      'node-footprint': { type: 'boolean', default: false },
      'cluster-idle': { type: 'boolean', default: false },
      'cluster-engine': { type: 'boolean', default: false },
      topologies: { type: 'string' },
      'skip-latency': { type: 'boolean', default: false },
      'latency-rates': { type: 'string' },
      'server-flags': { type: 'string' },
      baseline: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const connections = Math.round(positive(values.connections, 150, 'connections'));
  if (connections % 2 !== 0) throw new Error('--connections must be even (connections run in pairs)');
  return {
    duration: positive(values.duration, 2, 'duration'),
    warmup: positive(values.warmup, 1, 'warmup'),
    rounds: Math.round(positive(values.rounds, 3, 'rounds')),
    retries: values.retries === '0' ? 0 : Math.round(positive(values.retries, 1, 'retries')),
    together: values.together,
    only: list(values.only, SYSTEMS.map((s) => s.name), 'system') ?? SYSTEMS.map((s) => s.name),
    workloads: (list(values.workloads, WORKLOADS, 'workload') as WorkloadName[] | undefined) ?? WORKLOADS,
    connections,
    window: Math.round(positive(values.window, 64, 'window')),
    rate: positive(values.rate, 10_000, 'rate'),
    idleConnections: Math.round(positive(values['idle-connections'], 10_000, 'idle-connections')),
    profile: values.profile,
    footprint: values.footprint,
    clusterSpike: values['cluster-spike'],
    nodeFootprint: values['node-footprint'],
    clusterIdle: values['cluster-idle'],
    clusterEngine: values['cluster-engine'],
    skipLatency: values['skip-latency'],
    ...(values['latency-rates'] ? { latencyRates: values['latency-rates'].split(',').map((r) => positive(r, 0, 'latency-rates')) } : {}),
    ...(values.topologies ? { topologies: list(values.topologies, CLUSTER_TOPOLOGIES, 'topology') } : {}),
    serverFlags: values['server-flags']?.split(/\s+/).filter(Boolean) ?? [],
    out: values.out,
    ...(values.baseline ? { baseline: values.baseline } : {}),
  };
}
