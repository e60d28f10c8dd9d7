/**
 * Cluster mode (docs/cluster.md): every engine given the same Redis acts as one server with the
 * others. Absent, the engine is a single node and no cluster code runs.
 */
export interface ClusterOptions {
  /** Redis URL, e.g. `redis://127.0.0.1:6379/0` (needs `ioredis`). */
  redis: string;
  /** This node's id, unique among the nodes on that Redis (default: random). */
  nodeId?: string;
}
