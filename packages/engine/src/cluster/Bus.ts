import { randomBytes } from 'node:crypto';
import type { WireData } from '@mwse/protocol';
import type { Logger } from '../log/Logger.js';
import type { PeerCard } from './Cluster.js';
import type { ClusterRedis } from './RedisLink.js';
import { type Batch, batchHead, batchOf, compareIds, DELIVER, opsOf, PROBE, readMessage, type StreamRedis } from './busLog.js';
import { writeOps } from './busOps.js';

/** The shared channel: node announcements. */
const ALL = 'mwse:cluster:all';
/** Microtask turns an answer's continuation gets before the next op is applied (see `drain`). */
const ANSWER_HOPS = 8;
/** Entries read per XRANGE while filling a gap. */
const FILL_PAGE = 256;
/** A fill that failed (Redis unreachable) is tried again after this long. */
const FILL_RETRY = 250;
/** Further reports of state lost with one node within this long (ms) are the same episode. */
const LOST_QUIET = 5000;
/**
 * The log keeps twice the lease of a node's batches, and at least this long (ms): a subscriber
 * deaf for a lease fences its node, so no gap to fill is older than that, and the second lease
 * is margin for the fill itself.
 */
const MIN_RETENTION = 5000;

/**
 * One op of a batch (`Batch` in busLog.ts: the ops of one turn for one node, in order).
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
  /** Whether `node` is a live node to this one: batches of other nodes are not applied. */
  live(node: string): boolean;
  /**
   * Batches between this node and `node` are lost for good (trimmed from the log before they
   * were read, or a publish that failed or was fenced): the two nodes' mirrors may disagree.
   */
  lost(node: string, reason: string): void;
  /**
   * The ops of a batch for `node` that the fence refused (this node's lease was gone when Redis
   * ran the script): written nowhere, so they may be sent again, once, in order.
   */
  refused?(node: string, ops: Op[]): void;
  /** A batch of `node`, not live here, was skipped: its ops, for a node that fenced itself. */
  strayed?(node: string, ops: Op[]): void;
}

type Inbound = { kind: 'message'; channel: string; message: string } | { kind: 'resync' };

/** A script to run after a turn's batches, in one transaction with them (see `Bus.turnWrite`). */
export interface TurnWrite {
  script: string;
  /** The script's keys, then its arguments. */
  keys: string[];
  args: string[];
  done(error: Error | null, reply: unknown): void;
}

/** One script call of a flush: its arguments for `eval`, and what to do with its reply. */
interface Call {
  args: [script: string, keys: number, ...args: string[]];
  done(error: Error | null, reply: unknown): void;
}

/**
 * The node channels, on Redis pub/sub (the one part another transport could carry), with a log
 * behind them (docs/cluster.md, "The log behind the bus"): ops for a node are queued and sent once per
 * event-loop turn as one batch, numbered per target, appended to the target's stream and
 * published in one script call. The receiver applies batches in order, once: a sequence number
 * that jumps, a subscriber that reconnected, or a probe that names a later entry than the last
 * one handled makes it read what it missed from its stream first; what the channel then repeats
 * is skipped by stream id.
 */
export class Bus {
  private readonly outbox = new Map<string, Op[]>();
  /** The last delivery queued per node, so a fan-out of one frame becomes one op. */
  private readonly lastDelivery = new Map<string, { op: DeliverOp; data: WireData }>();
  private scheduled = false;
  /** Ops received and not yet applied (see `drain`); after each batch's ops, its stream id. */
  private readonly inbound: (Op | { o: '$'; i: string })[] = [];
  /**
   * The stream id of the last batch of this node's log whose ops were applied (or that was
   * skipped): the session mirror writes it with the sessions' counts (docs/cluster.md, "Node
   * death"), so a taker knows which entries of this node's log its sessions have seen. A batch
   * counts from its first op on: every op runs synchronously after it unless one goes async,
   * and then the rest may be applied after the mirror wrote this id.
   */
  appliedAt = '0-0';
  private draining = false;
  private stopped = false;
  private listening = false;

  /** This process's incarnation: a restarted node starts new sequences. */
  private readonly incarnation = randomBytes(4).toString('hex');
  /** How many sequences this incarnation started (one more each time a target is dropped). */
  private sequences = 0;
  /** The sequence to each target: its epoch and the last number sent. */
  private readonly sent = new Map<string, { e: string; q: number }>();
  /** The last batch applied from each source. */
  private readonly applied = new Map<string, { e: string; q: number }>();
  /** The stream id of the last entry of this node's log handled (applied, skipped or repeated). */
  private position = '0-0';
  /** Channel messages and resyncs, handled in arrival order (a fill holds the ones behind it). */
  private readonly arrivals: Inbound[] = [];
  private handling = false;
  private retry: NodeJS.Timeout | undefined;
  /** The lease key and value every publish is fenced with (see `fence`). */
  private leaseKey = '';
  private leaseValue = '';

  /** When state was last reported lost with each node. */
  private readonly lostAt = new Map<string, number>();
  /** A fill failed and was reported; quiet until one succeeds. */
  private fillFailing = false;

  /** Batches read back from the log (the channel lost them), and links found state-lost. */
  recovered = 0;
  stateLost = 0;

  readonly retention: number;

  /**
   * What must run after this turn's batches and with them, or not at all (the session mirror's
   * counts, which say those batches' frames were applied): asked for at each flush, the batches
   * and it then go in one MULTI/EXEC, so a process killed mid-write leaves neither.
   */
  turnWrite: (() => TurnWrite | undefined) | undefined;

  constructor(
    private readonly pub: ClusterRedis,
    private readonly sub: ClusterRedis,
    private readonly nodeId: string,
    private readonly log: Logger,
    private readonly handlers: BusHandlers,
    lease = 3000,
  ) {
    this.retention = Math.max(MIN_RETENTION, 2 * lease);
  }

  /** Publish only while the lease `key` holds `value` (this node is not taken for dead). */
  fence(key: string, value: string): void {
    this.leaseKey = key;
    this.leaseValue = value;
  }

  /** Subscribe to this node's channel and the shared one, and start reading the log at its end. */
  async listen(): Promise<void> {
    this.sub.on('message', ((channel: string, message: string) => this.received({ kind: 'message', channel, message })) as never);
    // A subscriber that reconnected (ioredis resubscribes) may have missed batches meanwhile.
    this.sub.on('ready', (() => {
      if (this.listening) this.received({ kind: 'resync' });
    }) as never);
    await this.sub.subscribe(this.channel(this.nodeId), ALL);
    // What the log held before this node listened is another incarnation's.
    const last = await this.streams.xrevrange(this.stream(this.nodeId), '+', '-', 'COUNT', 1);
    if (last[0] && compareIds(last[0][0], this.position) > 0) this.position = last[0][0];
    this.appliedAt = this.position;
    this.listening = true;
  }

  /** Announce on the shared channel. */
  announce(message: Announcement): Promise<number> {
    return this.pub.publish(ALL, JSON.stringify(message));
  }

  /** Publish a probe to this node's own channel: its arrival proves the subscriber hears. */
  probe(): void {
    this.pub.eval(PROBE, 2, this.stream(this.nodeId), this.channel(this.nodeId)).catch(() => undefined);
  }

  /** Forget what is queued for a node that is gone, and the sequences both ways. */
  drop(node: string): void {
    this.outbox.delete(node);
    this.sent.delete(node);
    this.applied.delete(node);
  }

  /** Delete the log of a node known dead: nobody reads it any more (a restart starts at its end). */
  deleteLog(node: string): void {
    this.pub.del(this.stream(node), positionKey(node)).catch(() => undefined);
  }

  /**
   * Keep the log of a node known dead for `ms` (its sessions' takers read it; the sweep deletes
   * it). Sent on the publishing connection after every batch this node sent it, so the last node
   * to learn of the death sets the expiry after the last append (each append sets its own).
   */
  keepLog(node: string, ms: number): void {
    this.pub.call('PEXPIRE', this.stream(node), String(ms)).catch(() => undefined);
  }

  /** What is queued for `node` and not yet sent, taken out (its sessions' frames are held instead). */
  takeQueued(node: string): Op[] {
    const ops = this.outbox.get(node) ?? [];
    this.outbox.delete(node);
    return ops;
  }

  /** Queue nothing more (the node is closing). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
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
    this.schedule();
  }

  /** Flush at the end of this turn (`push` does; the session mirror asks when it has counts). */
  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** One script call per node with everything of this turn: numbered, logged, published. */
  flush(): void {
    this.scheduled = false;
    const calls: Call[] = [];
    for (const [node, ops] of this.outbox) {
      let seq = this.sent.get(node);
      if (!seq) {
        seq = { e: `${this.incarnation}.${this.sequences++}`, q: 0 };
        this.sent.set(node, seq);
      }
      const head = batchHead(this.nodeId, seq.e, ++seq.q);
      calls.push({
        args: [DELIVER, 3, this.stream(node), this.channel(node), this.leaseKey, this.leaseValue, head, writeOps(ops, this.nodeId), String(this.retention)],
        done: (error, result) => {
          if (error) {
            this.log.warn({ err: error, node }, 'cluster: a publish failed');
            this.lose(node, 'a publish failed');
          } else if (result === -1) {
            // Refused before anything was written: the ops are whole, for the node to send again.
            if (!this.stopped) this.handlers.refused?.(node, ops);
            this.lose(node, 'fenced: this node’s lease is gone; the batch was not sent');
          }
        },
      });
    }
    this.outbox.clear();
    this.lastDelivery.clear();
    const write = this.turnWrite?.();
    if (write) calls.push({ args: [write.script, write.keys.length, ...write.keys, ...write.args], done: write.done });
    // With a session mirror (`turnWrite`), a turn of several calls is one transaction; else each goes alone.
    if (calls.length < 2 || !this.turnWrite) {
      for (const call of calls) this.pub.eval(...call.args).then((reply) => call.done(null, reply), (error: Error) => call.done(error, undefined));
    } else {
      const tx = this.pub.multi();
      for (const call of calls) tx.eval(...call.args);
      tx.exec().then(
        (replies) => calls.forEach((call, i) => (replies ? call.done(replies[i]![0], replies[i]![1]) : call.done(new Error('the transaction was discarded'), undefined))),
        (error: Error) => calls.forEach((call) => call.done(error, undefined)),
      );
    }
  }

  private lose(node: string, reason: string): void {
    if (this.stopped) return;
    // The calls queued behind a refused or failed one fail alike: one report per node per episode.
    const now = Date.now();
    if (now - (this.lostAt.get(node) ?? -Infinity) < LOST_QUIET) return;
    this.lostAt.set(node, now);
    this.stateLost++;
    this.log.error({ node: this.nodeId, peerNode: node, reason }, 'cluster: bus state lost between two nodes');
    this.handlers.lost(node, reason);
  }

  private get streams(): StreamRedis {
    return this.pub as unknown as StreamRedis;
  }

  private received(arrival: Inbound): void {
    this.arrivals.push(arrival);
    if (!this.handling) void this.handle();
  }

  /**
   * Handle what arrived, in order. Synchronous unless a gap must be filled from the log: then
   * what arrives meanwhile waits behind the fill.
   */
  private async handle(): Promise<void> {
    this.handling = true;
    try {
      while (this.arrivals.length > 0 && !this.stopped) {
        const arrival = this.arrivals[0]!;
        if (arrival.kind === 'resync') {
          // The subscription is back (the SUBSCRIBE reply proves it): read what was missed.
          if (!(await this.fill(true))) return;
          this.arrivals.shift();
          continue;
        }
        if (arrival.channel === ALL) {
          this.arrivals.shift();
          this.guard(() => this.handlers.announced(JSON.parse(arrival.message) as Announcement));
          continue;
        }
        let parsed: Batch | { p: string };
        try {
          parsed = readMessage(arrival.message);
        } catch (error) {
          this.arrivals.shift();
          this.log.error({ err: error, node: this.nodeId }, 'cluster: a bus message failed');
          continue;
        }
        if ('p' in parsed) {
          // The probe says the subscriber hears, whatever backlog of ops waits to be applied; a
          // log that goes further than what was handled says a batch was lost on the way.
          this.guard(() => this.handlers.probed());
          if (parsed.p !== '' && compareIds(parsed.p, this.position) > 0 && !(await this.fill(false))) return;
          this.arrivals.shift();
          continue;
        }
        if (this.take(parsed, false) === 'gap') {
          if (!(await this.fill(false))) return;
          // Read from the log by now, or trimmed from it before it was read: taken as it is.
          this.take(parsed, true);
        }
        this.arrivals.shift();
      }
    } finally {
      this.handling = false;
    }
  }

  /**
   * Read this node's log after `position` and take every batch there, in order. False when Redis
   * could not be read: handling stops, and is tried again shortly.
   */
  private async fill(resubscribe: boolean): Promise<boolean> {
    try {
      if (resubscribe) await this.sub.subscribe(this.channel(this.nodeId), ALL);
      for (;;) {
        const entries = await this.streams.xrange(this.stream(this.nodeId), `(${this.position}`, '+', 'COUNT', FILL_PAGE);
        for (const [id, fields] of entries) {
          const head = fields[fields.indexOf('h') + 1];
          const ops = fields[fields.indexOf('o') + 1];
          if (head === undefined || ops === undefined) continue;
          let batch: Batch;
          try {
            batch = batchOf(id, head, ops);
          } catch (error) {
            this.log.error({ err: error, node: this.nodeId }, 'cluster: a bus message failed');
            continue;
          }
          if (this.take(batch, true) === 'applied') this.recovered++;
        }
        if (entries.length < FILL_PAGE) {
          this.fillFailing = false;
          return true;
        }
      }
    } catch (error) {
      if (this.stopped) return false;
      if (!this.fillFailing) this.log.warn({ err: error, node: this.nodeId }, 'cluster: the bus log could not be read; trying again');
      this.fillFailing = true;
      clearTimeout(this.retry);
      this.retry = setTimeout(() => {
        if (!this.handling) void this.handle();
      }, FILL_RETRY);
      this.retry.unref();
      return false;
    }
  }

  /**
   * One batch, from the channel or (`filling`) from the log: applied when it is the next of its
   * source, skipped when handled already or from a node that is not live here; a `gap` otherwise
   * (the channel lost the ones before it). In the log no gap can be filled any more: the entries
   * were trimmed, and the link is state-lost.
   */
  private take(batch: Batch, filling: boolean): 'applied' | 'skipped' | 'gap' {
    if (compareIds(batch.i, this.position) <= 0) return 'skipped';
    if (!this.handlers.live(batch.n)) {
      this.skip(batch.i);
      this.guard(() => this.handlers.strayed?.(batch.n, opsOf(batch)));
      return 'skipped';
    }
    const last = this.applied.get(batch.n);
    if (last && last.e === batch.e) {
      if (batch.q <= last.q) {
        this.skip(batch.i);
        return 'skipped';
      }
      if (batch.q !== last.q + 1) {
        if (!filling) return 'gap';
        this.lose(batch.n, `batches ${last.q + 1}..${batch.q - 1} are no longer in the log`);
        if (!this.handlers.live(batch.n)) {
          this.skip(batch.i);
          return 'skipped';
        }
      }
    } else if (batch.q !== 1 && !filling) {
      // A sequence seen here for the first time, not from its start: its start may be in the log.
      return 'gap';
    }
    let ops: Op[];
    try {
      ops = opsOf(batch);
    } catch (error) {
      // Never from a node of this version; a batch that cannot be read is lost like a trimmed one.
      this.log.error({ err: error, node: this.nodeId }, 'cluster: a bus message failed');
      this.lose(batch.n, 'a batch could not be read');
      ops = [];
    }
    this.position = batch.i;
    this.applied.set(batch.n, { e: batch.e, q: batch.q });
    // Its id goes first: a batch whose op went async counts as applied from its first op on, so
    // a taker may miss the rest of it but never replays what was applied (see `appliedAt`).
    this.inbound.push({ o: '$', i: batch.i });
    for (const op of ops) this.inbound.push(op);
    if (!this.draining) void this.drain();
    return 'applied';
  }

  /** Entry `id` of the log is handled without being applied: passed once what is before it is. */
  private skip(id: string): void {
    this.position = id;
    if (this.inbound.length === 0 && !this.draining) this.appliedAt = id;
    else this.inbound.push({ o: '$', i: id });
  }

  private guard(run: () => void): void {
    try {
      run();
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
        if (op.o === '$') {
          this.appliedAt = op.i;
          continue;
        }
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

  /** The log of batches for `node`. */
  private stream(node: string): string {
    return logKey(node);
  }
}

/** `node`'s bus log (see `Bus`). */
export function logKey(node: string): string {
  return `mwse:cluster:log:${node}`;
}

/** Where `node`'s session mirror records how far in its log it had applied (see `Bus.appliedAt`). */
export function positionKey(node: string): string {
  return `mwse:cluster:pos:${node}`;
}
