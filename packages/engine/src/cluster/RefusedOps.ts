import type { Op } from './Bus.js';

/** Ops kept per target node at most; past it, what comes is dropped (and counted). */
const MAX_REFUSED = 8192;

/**
 * What this node published while its lease was gone, refused by the bus script before anything
 * was written (docs/cluster.md, "Liveness and Redis loss"): the frames behind it were applied and
 * counted here, so their clients will not send them again. Kept per target node, oldest first,
 * until the node serves again and sends them (`Cluster.resendRefused`), before anything newer.
 */
export class RefusedOps {
  private readonly byNode = new Map<string, Op[]>();
  /** Ops dropped: over the bound, or not sent again when the node served again. */
  dropped = 0;

  add(node: string, ops: Op[]): void {
    const list = this.byNode.get(node);
    if (!list) {
      this.byNode.set(node, ops.slice(0, MAX_REFUSED));
      this.dropped += Math.max(0, ops.length - MAX_REFUSED);
      return;
    }
    const room = Math.max(0, MAX_REFUSED - list.length);
    for (let i = 0; i < ops.length && i < room; i++) list.push(ops[i]!);
    this.dropped += Math.max(0, ops.length - room);
  }

  /** Everything kept, per node, oldest first; forgotten here. */
  take(): [node: string, ops: Op[]][] {
    const all = [...this.byNode];
    this.byNode.clear();
    return all;
  }

  /** Ops kept now. */
  get size(): number {
    let n = 0;
    for (const list of this.byNode.values()) n += list.length;
    return n;
  }
}
