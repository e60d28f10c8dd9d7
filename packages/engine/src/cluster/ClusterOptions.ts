/**
 * Cluster mode (docs/cluster.md): every engine given the same Redis acts as one server with the
 * others. Absent, the engine is a single node and no cluster code runs.
 */
export interface ClusterOptions {
  /** Redis URL, for example `redis://127.0.0.1:6379/0` (needs `ioredis`). */
  redis: string;
  /** This node's id, unique among the nodes on that Redis (default: random). */
  nodeId?: string;
  /**
   * How long this node's lease lasts (ms, default 3000; renewed every third of it). A node silent
   * for that long is taken for dead by the others, and takes itself for cut off (docs/cluster.md).
   */
  lease?: number;
}
