import type { WireData } from '@mwse/protocol';
import type { Logger } from '../log/Logger.js';
import type { PeerCard } from './Cluster.js';
import type { ClusterRedis } from './RedisLink.js';

/** The shared channel: node announcements. */
const ALL = 'mwse:cluster:all';
/** Microtask turns an answer's continuation gets before the next op is applied (see `drain`). */
const ANSWER_HOPS = 8;

/**
 * One message on a node's channel. Every PUBLISH carries the array of one turn, in order.
 * - `d`: deliver already-encoded data to local peers (`s` text or `b` base64 bytes)
 * - `x`: run the remote half `n` of a service operation for peer `f` (its card; or `i`, its id
 *   alone, when the other node holds a ghost of it already), answer call `c` if set
 * - `r`: the answer to call `c` (`v` value, or `e` [code, message])
 * - `g`: peer `id` of the sending node is gone
 */
export type DeliverOp = { o: 'd'; to: string[]; t: string; s?: string; b?: string };
export type Op =
  | DeliverOp
  | { o: 'x'; n: string; f?: PeerCard; i?: string; a: unknown; c?: number; from: string }
  | { o: 'r'; c: number; v?: unknown; e?: [string, string] }
  | { o: 'g'; id: string };

/** Membership announcements on the shared channel. */
export type Announcement = { o: 'hello' | 'bye'; node: string; tag: string };


/** What the bus hands its node. */
export interface BusHandlers {
  /** Apply one op; a Promise when it went async. */
  apply(op: Op): Promise<unknown> | undefined;
  announced(message: Announcement): void;
  /** This node's probe came back: its subscriber hears. */
  probed(): void;
}

/**
 * The node channels, on Redis pub/sub (the one part another transport could carry): ops for a
 * node are queued and published once per event-loop turn as one array; what arrives is applied
 * in order. One publisher and one subscriber connection keep the order between two nodes.
 */
export class Bus {
  private readonly outbox = new Map<string, Op[]>();
  /** The last delivery queued per node, so a fan-out of one frame becomes one op. */
  private readonly lastDelivery = new Map<string, { op: DeliverOp; data: WireData }>();
  private scheduled = false;
  /** Ops received and not yet applied (see `drain`). */
  private readonly inbound: Op[] = [];
  private draining = false;
  private stopped = false;

  constructor(
    private readonly pub: ClusterRedis,
    private readonly sub: ClusterRedis,
    private readonly nodeId: string,
    private readonly log: Logger,
    private readonly handlers: BusHandlers,
  ) {}

  /** Subscribe to this node's channel and the shared one. */
  async listen(): Promise<void> {
    this.sub.on('message', ((channel: string, message: string) => this.received(channel, message)) as never);
    await this.sub.subscribe(this.channel(this.nodeId), ALL);
  }

  /** Announce on the shared channel. */
  announce(message: Announcement): Promise<number> {
    return this.pub.publish(ALL, JSON.stringify(message));
  }

  /** Publish an empty batch to this node's own channel: its arrival proves the subscriber hears. */
  probe(): void {
    this.pub.publish(this.channel(this.nodeId), '[]').catch(() => undefined);
  }

  /** Forget what is queued for a node that is gone. */
  drop(node: string): void {
    this.outbox.delete(node);
  }

  /** Queue nothing more (the node is closing). */
  stop(): void {
    this.stopped = true;
  }

  /** Queue a frame for peer `id` of `node`: consecutive copies of one frame to one node travel once. */
  deliver(node: string, id: string, data: WireData, type: string): void {
    const ops = this.outbox.get(node);
    const last = this.lastDelivery.get(node);
    if (last && ops && ops[ops.length - 1] === last.op && last.data === data && last.op.t === type) {
      last.op.to.push(id);
      return;
    }
    const op: DeliverOp =
      typeof data === 'string' ? { o: 'd', to: [id], t: type, s: data } : { o: 'd', to: [id], t: type, b: Buffer.from(data).toString('base64') };
    this.push(node, op);
    this.lastDelivery.set(node, { op, data });
  }

  push(node: string, op: Op): void {
    if (this.stopped) return;
    const ops = this.outbox.get(node);
    if (ops) ops.push(op);
    else this.outbox.set(node, [op]);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** One PUBLISH per node with everything of this turn. */
  flush(): void {
    this.scheduled = false;
    for (const [node, ops] of this.outbox) {
      this.pub.publish(this.channel(node), JSON.stringify(ops)).catch((error: unknown) => {
        this.log.warn({ err: error, node }, 'cluster: a publish failed');
      });
    }
    this.outbox.clear();
    this.lastDelivery.clear();
  }

  private received(channel: string, message: string): void {
    try {
      if (channel === ALL) {
        this.handlers.announced(JSON.parse(message) as Announcement);
        return;
      }
      const ops = JSON.parse(message) as Op[];
      if (ops.length === 0) {
        // The probe says the subscriber hears, whatever backlog of ops waits to be applied.
        this.handlers.probed();
        return;
      }
      for (const op of ops) this.inbound.push(op);
      if (!this.draining) void this.drain();
    } catch (error) {
      this.log.error({ err: error, node: this.nodeId }, 'cluster: a bus message failed');
    }
  }

  /**
   * Apply what arrived, in order. An op whose handler went async (a room join, say) gets what a
   * frame from a socket gets: its microtasks run before the next op is applied (one macrotask
   * boundary), and if it still waits on I/O (a password hash) the next ops go on meanwhile.
   */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      for (let op = this.inbound.shift(); op; op = this.inbound.shift()) {
        let result: unknown;
        try {
          result = this.handlers.apply(op);
        } catch (error) {
          this.log.error({ err: error, node: this.nodeId }, 'cluster: a bus op failed');
        }
        if (result instanceof Promise) await Promise.race([result, new Promise((resolve) => setImmediate(resolve))]);
        else if (op.o === 'r') {
          // The caller's continuation (a frame's result to its client) is a few promise hops
          // away: let it run, so it goes before what this node sent after the answer.
          for (let i = 0; i < ANSWER_HOPS; i++) await undefined;
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private channel(node: string): string {
    return `mwse:cluster:node:${node}`;
  }
}
