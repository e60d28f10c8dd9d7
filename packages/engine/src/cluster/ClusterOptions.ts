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
  /**
   * With resume on (`resumeGrace`): mirror sessions into Redis so another node takes them over
   * when this one dies (default true; docs/cluster.md, "Node death"). False keeps sessions on
   * their node, as resume off does across a node's death, and saves the mirror's writes.
   */
  takeover?: boolean;
}
