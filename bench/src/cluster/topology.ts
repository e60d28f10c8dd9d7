import { fileURLToPath } from 'node:url';
import type { Connection } from '../generator/Connection.js';
import type { Dialect } from '../generator/Dialect.js';
import { mwseDialect } from '../generator/mwseDialect.js';
import { openConnections } from '../generator/openConnections.js';
import { withSessionAcks } from '../generator/withSessionAcks.js';
import { ServerProcess } from '../ServerProcess.js';

// Bundled into dist/run.js: the nodes' own bundles sit next to it.
const RELAY = fileURLToPath(new URL('./servers/clusterRelay.js', import.meta.url));
const ENGINE = fileURLToPath(new URL('./servers/mwseEngine.js', import.meta.url));

/** What the cluster benches run: the spike's bare relay or the engine, on one or more nodes. */
export interface Topology {
  name: string;
  /** Its key in `--topologies` (engine topologies only). */
  key?: string;
  /** One entry per node: its Redis URL or `local`. */
  nodes: string[];
  /** Script calls a node may have outstanding (0: one call per turn, unbounded). */
  inFlight?: number;
  /** The real engine (`--cluster-engine`) rather than the spike's bare relay. */
  engine?: boolean;
  /** Another build of the engine (its dist/index.js) than the workspace's. */
  engineModule?: string;
  /** Engine nodes keep sessions: `mirrored` into Redis for takeover, or `local` to their node. */
  resume?: 'mirrored' | 'local';
}

/** Topologies started so far: each start's engine nodes get ids of their own. */
let starts = 0;

/**
 * Start the nodes of `topology`; the caller stops them. Engine nodes of one start never reuse
 * the ids of an earlier one on the shared Redis (its lease, bus log and session records).
 */
export async function startNodes(topology: Topology, nodeFlags: string[] = []): Promise<ServerProcess[]> {
  const start = ++starts;
  return Promise.all(
    topology.nodes.map((url, i) =>
      topology.engine
        ? ServerProcess.start({
            file: ENGINE,
            args: url === 'local' ? ['uws'] : ['uws', url, `node${i + 1}-${start}`, ...(topology.resume ? [topology.resume === 'local' ? 'resume-local' : 'resume'] : [])],
            maxLifetimeMs: 600_000,
            nodeFlags,
            ...(topology.engineModule ? { env: { MWSE_BENCH_ENGINE: topology.engineModule } } : {}),
          })
        : ServerProcess.start({ file: RELAY, args: [`node${i + 1}`, url, String(topology.inFlight ?? 0)], maxLifetimeMs: 600_000 }),
    ),
  );
}

/** The generator's dialect for a topology: sessions kept are acked as the SDK acks them. */
export function dialectFor(topology: Pick<Topology, 'resume'>): Dialect {
  return topology.resume ? withSessionAcks(mwseDialect) : mwseDialect;
}

/** Pairs of connections: one side per node (a[i] with b[i]), or neighbours on a single node. */
export function pairUp(sides: Connection[][], pairs: number): [Connection, Connection][] {
  return Array.from({ length: pairs }, (_, i) => (sides.length === 1 ? [sides[0]![2 * i]!, sides[0]![2 * i + 1]!] : [sides[0]![i]!, sides[1]![i]!]));
}

/** `connections` connections in pairs: with two nodes, every pair split across them. */
export async function openPairs(nodes: ServerProcess[], connections: number, topology: Topology): Promise<[Connection, Connection][]> {
  const dialect = dialectFor(topology);
  const half = connections / 2;
  const sides = await Promise.all(nodes.map((n) => openConnections(n.port, dialect, nodes.length === 1 ? connections : half)));
  return pairUp(sides, half);
}
