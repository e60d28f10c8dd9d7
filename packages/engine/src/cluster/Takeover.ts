import { createHash, timingSafeEqual } from 'node:crypto';
import type { ClientFrameOf, ResumeRefusal } from '@mwse/protocol';
import type { Hub } from '../Hub.js';
import type { Logger } from '../log/Logger.js';
import { Peer } from '../Peer.js';
import { InfoPool } from '../services/InfoPool.js';
import type { Link } from '../session/Link.js';
import type { ClusterRedis } from './RedisLink.js';
import type { SessionRecord, StoredSession } from './SessionMirror.js';
import type { Released } from './Cluster.js';
import { Session } from '../session/Session.js';
import type { DeliverOp, Op } from './Bus.js';
import { logKey, positionKey } from './Bus.js';
import { batchOf, compareIds, opsOf, type StreamRedis } from './busLog.js';

/** What a dead node's log held for one of its sessions after its recorded position, in order. */
type LogItem = { d: DeliverOp } | { op: Op };
/** A dead node's log after the position its mirror last wrote (`at`), by session. */
type DeadLog = { index: Map<string, LogItem[]>; at: string };

/** Entries read per XRANGE from a dead node's log. */
const LOG_PAGE = 512;

/** Replayed frames are kept whatever the replay bounds: they are counted, then mostly dropped. */
const UNBOUNDED = { frames: Number.POSITIVE_INFINITY, bytes: Number.POSITIVE_INFINITY };

/**
 * The compare-and-set of a takeover: the record must still belong to the dead node at the
 * generation read, and that node's lease must be gone, or be ended here (`ARGV[5]` 1: the node
 * has no connection left to Redis), or the live owner released the session (`ARGV[5]` 2). Then it belongs to this node, one generation on, listed with
 * this node's sessions, and its id forwarded here. A second taker (or the old owner, fenced)
 * then loses.
 */
const TAKE = `
if redis.call('HGET', KEYS[1], 'node') ~= ARGV[2] or redis.call('HGET', KEYS[1], 'gen') ~= ARGV[3] then return 0 end
if redis.call('EXISTS', KEYS[2]) == 1 then
  if ARGV[5] == '1' then redis.call('DEL', KEYS[2]) elseif ARGV[5] ~= '2' then return -1 end
end
redis.call('HSET', KEYS[1], 'node', ARGV[4], 'gen', tostring(tonumber(ARGV[3]) + 1))
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('SADD', KEYS[4], ARGV[1])
redis.call('HSET', KEYS[5], ARGV[1], ARGV[4])
return 1
`;

/**
 * The sweep of a dead node once the grace window is over: every record still its own is
 * deleted (its session ends); the ids are returned so every node can tell its watchers. Atomic
 * with takeovers, so a session is either taken over or ended, never both.
 */
const SWEEP = `
local ended = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local key = ARGV[2] .. 'session:' .. id
  if redis.call('HGET', key, 'node') == ARGV[1] then
    redis.call('DEL', key)
    redis.call('HDEL', ARGV[2] .. 'moved', id)
    ended[#ended + 1] = id
  end
end
redis.call('DEL', KEYS[1])
-- Its log and position were kept for its takers; a node back under the same id keeps its own.
if redis.call('EXISTS', ARGV[2] .. 'lease:' .. ARGV[1]) == 0 then
  redis.call('DEL', ARGV[2] .. 'log:' .. ARGV[1], ARGV[2] .. 'pos:' .. ARGV[1])
end
return ended
`;

/** Which of the ids given have a session record (a live session) now: 1 or 0 each. */
const LIVE = `
local out = {}
for i, id in ipairs(ARGV) do out[i] = redis.call('EXISTS', KEYS[1] .. id) end
return out
`;

/** What a takeover needs from the node it runs on. */
export interface TakeoverNode {
  readonly nodeId: string;
  /** The ghost of `id` held here, taken out of the ghosts (it becomes a local peer). */
  claimGhost(id: string): Peer | undefined;
  ghostFor(id: string): Peer | undefined;
  /** Tell every node that frames for `id` go to this node now. */
  announceMove(id: string): void;
  /** A session of a dead node ended: every node forgets its ghost (watchers told once). */
  sessionEnded(id: string): void;
  /** `node` is dead (a takeover found it so): every node takes it for dead now. */
  nodeDead(node: string): void;
  isLive(node: string): boolean;
  /** Ask the live owner to hand the session over (frames for it are held here meanwhile). */
  askRelease(node: string, id: string, seq: number): Promise<Released | undefined>;
  notArriving(id: string): void;
  /** The session was in rooms homed on the dead node `from`: they are re-homed or closed. */
  roomsTaken(peer: Peer, names: string[], from: string): void;
  /** Resolves once no live node publishes to `dead`'s log any more (see `Cluster.logFinal`). */
  logFinal(dead: string): Promise<void>;
  /** Apply a tunnel op read back from a dead node's log. */
  replay(op: Op): void;
  /** Run `send` with frames to local sessions sent as they are, not through the log. */
  direct<T>(send: () => T): T;
}

const RELATIONS = [
  ['trusted', 'trusted', 'trustedBy'],
  ['trustedBy', 'trustedBy', 'trusted'],
  ['reqFrom', 'pairRequestsFrom', 'pairRequestsTo'],
  ['reqTo', 'pairRequestsTo', 'pairRequestsFrom'],
  ['watchers', 'watchers', 'watchers'],
] as const;

/** How long one node holds the sweep of a dead node (others skip it meanwhile). */
const SWEEP_LOCK = 60_000;

function sha256(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** Constant-time: does the stored hex hash equal `presented`? */
function sameHash(hex: string | undefined, presented: Buffer): boolean {
  if (hex === undefined) return false;
  const stored = Buffer.from(hex, 'hex');
  return stored.length === presented.length && timingSafeEqual(stored, presented);
}

/**
 * Sessions of a dead node resumed here (docs/cluster.md, "Node death"): a resume this node has
 * no session for reads the session's record from Redis, checks it as a local resume would,
 * takes it with a compare-and-set on its generation, and rebuilds the peer with the same socket
 * id. And the sweep: sessions of a dead node not taken over within the grace window end, swept
 * by one node at a time.
 */
export class Takeover {
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Each dead node's log after its recorded position, by session (read once per death here). */
  private readonly deadLogs = new Map<string, Promise<DeadLog | undefined>>();
  /** Frames read back from dead nodes' logs and delivered (a counter for the docs' figures). */
  replayed = 0;
  /** Dead nodes' logs found trimmed past their recorded position (frames then lost). */
  logShort = 0;

  constructor(
    private readonly node: TakeoverNode,
    private readonly hub: Hub,
    private readonly redis: ClusterRedis,
    private readonly prefix: string,
    private readonly log: Logger,
    /** The leases' key of a node. */
    private readonly leaseKey: (node: string) => string,
    /** How long a lease lasts: the longest a resume waits for a silent owner's to run out. */
    private readonly leaseTtl: number,
  ) {}

  private sessionsKey(node: string): string {
    return `${this.prefix}sessions:${node}`;
  }

  /** Take over `frame`'s session for `link`, or say why not (the caller starts a new session). */
  async take(link: Link, frame: ClientFrameOf<'session/resume'>): Promise<Peer | ResumeRefusal> {
    const { node, hub } = this;
    const id = frame.socketId;
    const key = `${this.prefix}session:${id}`;
    const stored = (await this.redis.hgetall(key)) as Partial<StoredSession>;
    if (!stored.node || !stored.d || !stored.gen) return 'unknown';
    if (stored.node === node.nodeId) return 'unknown';
    const presented = sha256(frame.token);
    const check = (data: string | SessionRecord): SessionRecord | ResumeRefusal => {
      let record: SessionRecord;
      try {
        record = typeof data === 'string' ? (JSON.parse(data) as SessionRecord) : data;
      } catch {
        return 'unknown';
      }
      if (!sameHash(record.tok, presented) && !sameHash(record.prev, presented)) return 'unknown';
      if (link.admitted.identity !== record.identity) return 'identity';
      if (link.admitted.binary !== record.binary) return 'codec';
      return record;
    };
    const first = check(stored.d);
    if (typeof first === 'string') return first;
    // The client may come before the owner's lease runs out (a kill -9 resets its sockets at
    // once). An owner with no connection left to Redis is dead (or cut off, and then it fences
    // itself when it finds its lease gone): its lease is ended with the takeover. A live owner is
    // asked to hand the session over. Otherwise wait for the lease to run out, at most one lease.
    const deadline = Date.now() + this.leaseTtl + 500;
    let end = false;
    let released: Released | undefined;
    const owner = stored.node;
    if ((await this.redis.get(this.leaseKey(owner))) !== null && node.isLive(owner) && !(await this.disconnected(owner))) {
      released = await node.askRelease(owner, id, frame.seq).catch(() => undefined);
      if (released) return this.handedOver(link, frame, stored, presented, check(released.record), released);
      node.notArriving(id);
    }
    while ((await this.redis.get(this.leaseKey(stored.node))) !== null) {
      if (await this.disconnected(stored.node)) {
        end = true;
        break;
      }
      if (Date.now() > deadline || !link.open) return 'unknown';
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // An owner found dead by its connections has its lease ended now, before the nodes are told
    // it is dead (the log's barrier below tells them): what they do at a death (re-homing its
    // rooms) waits for a node that holds its lease, taking it for one that came back.
    if (end) await this.redis.del(this.leaseKey(stored.node));
    // What was published to the dead node and it had not applied is in its log: read once it is
    // final (no live node publishes there any more), before the record, which it follows.
    const deadLog = await this.deadLog(stored.node).catch((error: unknown) => {
      this.log.warn({ err: error, node: stored.node }, 'cluster: the log of a dead node could not be read');
      return undefined;
    });
    // Read again: what the owner wrote before it died is the latest.
    Object.assign(stored, await this.redis.hgetall(key));
    const record = check(stored.d);
    if (typeof record === 'string') return record;
    // Numbered on from the record's count of frames sent, as of the log position; or, when the
    // client has fewer (frames counted, then lost with the dead node's socket), from its
    // checkpoint, reading the log again after that.
    let from = stored.s === undefined ? undefined : Number(stored.s);
    let items = deadLog?.index.get(id);
    if (from !== undefined && frame.seq < from && stored.k !== undefined && stored.q !== undefined && deadLog) {
      const earlier = await this.logWindow(stored.node, stored.q, deadLog.at, id).catch(() => undefined);
      if (earlier) {
        items = items ? [...earlier, ...items] : earlier;
        from = Number(stored.k);
      }
    }
    // A peer that ended while this session was away on its dead node is no relation any more
    // (the dead node missed its end): every live session has a record.
    const related = [...new Set(RELATIONS.flatMap(([field]) => record[field]))];
    const live = related.length ? ((await this.redis.eval(LIVE, 1, `${this.prefix}session:`, ...related)) as number[]) : [];
    const gone = new Set(related.filter((_, i) => live[i] !== 1));
    const won = await this.redis.eval(
      TAKE,
      5,
      key,
      this.leaseKey(stored.node),
      this.sessionsKey(stored.node),
      this.sessionsKey(node.nodeId),
      `${this.prefix}moved`,
      id,
      stored.node,
      stored.gen,
      node.nodeId,
      end ? '1' : '0',
    );
    if (won !== 1 || hub.peer(id)) return 'unknown';
    node.nodeDead(stored.node);
    // The record's applied count may lag its node by a turn; the client's `from` never does.
    const applied = Math.max(Number(stored.a ?? 0), frame.from);
    const peer = this.rebuild(id, link, record, gone);
    peer.session = hub.sessions.adopt(presented, frame.seq, applied);
    hub.adopt(peer, link);
    // Before what the other nodes held (announceMove delivers it and tells them).
    if (items && from !== undefined) this.replayLog(peer, items, from, frame.seq);
    node.announceMove(id);
    // Rooms homed on the dead node are re-homed on a live node, or gone (told `room/closed`).
    if (record.rooms.length) node.roomsTaken(peer, record.rooms.map(([room]) => room), stored.node);
    this.log.debug({ peer: id, from: stored.node }, 'session taken over');
    return peer;
  }

  /**
   * The live owner released the session: it is taken with its exact counters, and what its client
   * missed is replayed after the resumed hello (then what arrived meanwhile, held here).
   */
  private async handedOver(
    link: Link,
    frame: ClientFrameOf<'session/resume'>,
    stored: Partial<StoredSession>,
    presented: Buffer,
    record: SessionRecord | ResumeRefusal,
    released: Released,
  ): Promise<Peer | ResumeRefusal> {
    const { node, hub } = this;
    const id = frame.socketId;
    // The owner no longer serves it: a refusal now would lose it, so only a wrong token refuses.
    if (typeof record === 'string' && record === 'unknown') {
      node.notArriving(id);
      return record;
    }
    const state = released.record;
    const key = `${this.prefix}session:${id}`;
    Object.assign(stored, await this.redis.hgetall(key));
    const related = [...new Set(RELATIONS.flatMap(([field]) => state[field]))];
    const live = related.length ? ((await this.redis.eval(LIVE, 1, `${this.prefix}session:`, ...related)) as number[]) : [];
    const gone = new Set(related.filter((_, i) => live[i] !== 1));
    const won = await this.redis.eval(
      TAKE,
      5,
      key,
      this.leaseKey(stored.node!),
      this.sessionsKey(stored.node!),
      this.sessionsKey(node.nodeId),
      `${this.prefix}moved`,
      id,
      stored.node!,
      stored.gen!,
      node.nodeId,
      '2',
    );
    if (won !== 1 || hub.peer(id)) {
      node.notArriving(id);
      return 'unknown';
    }
    const peer = this.rebuild(id, link, state, gone);
    const session = hub.sessions.adopt(presented, frame.seq, released.applied);
    peer.session = session;
    hub.adopt(peer, link);
    for (const f of released.frames) {
      const data = f.s ?? new Uint8Array(Buffer.from(f.b!, 'base64'));
      // A queue keeps what it writes; a session no socket carries keeps the frame itself.
      if (peer.socketOpen) peer.queue.push(data);
      else session.record(data);
    }
    node.announceMove(id);
    this.log.debug({ peer: id, from: stored.node, replayed: released.frames.length }, 'session handed over');
    return peer;
  }

  /**
   * `dead`'s log after the position its mirror last wrote, indexed by session: the frames (`d`
   * ops) and tunnel ops (`x`, no answer asked) other nodes published to it that it had not
   * applied then, and the position. Read once per death on this node, after `logFinal`.
   */
  private deadLog(dead: string): Promise<DeadLog | undefined> {
    let read = this.deadLogs.get(dead);
    if (read) return read;
    read = (async () => {
      await this.node.logFinal(dead);
      const at = await this.redis.get(positionKey(dead));
      if (at === null) return undefined;
      const first = await this.firstEntry(dead);
      if (first !== undefined && compareIds(first, at) > 0 && at !== '0-0') {
        // Entries after the position were trimmed (past the log's bound): what they held is lost.
        this.logShort++;
        this.log.warn({ node: dead, position: at, first }, 'cluster: the log of a dead node no longer reaches its position; frames in it are lost');
      }
      const index = new Map<string, LogItem[]>();
      await this.readLog(dead, at, '+', (id, item) => {
        const list = index.get(id);
        if (list) list.push(item);
        else index.set(id, [item]);
      });
      return { index, at };
    })().catch((error: unknown) => {
      // Read again by the next takeover (the log stays final).
      if (this.deadLogs.get(dead) === read) this.deadLogs.delete(dead);
      throw error;
    });
    this.deadLogs.set(dead, read);
    return read;
  }

  /**
   * What `dead`'s log holds for session `id` after `from` up to `to` (included): entries its
   * node had applied, read again for a client that lost frames counted by then (see
   * `StoredSession.k`). Undefined when the log no longer reaches `from`.
   */
  private async logWindow(dead: string, from: string, to: string, id: string): Promise<LogItem[] | undefined> {
    const first = await this.firstEntry(dead);
    if (first === undefined || compareIds(first, from) > 0) return undefined;
    const items: LogItem[] = [];
    await this.readLog(dead, from, to, (target, item) => {
      if (target === id) items.push(item);
    });
    return items;
  }

  /** The id of the oldest entry left in `dead`'s log (trimmed past its bound); undefined when it is empty. */
  private async firstEntry(dead: string): Promise<string | undefined> {
    const first = await (this.redis as unknown as StreamRedis).xrange(logKey(dead), '-', '+', 'COUNT', 1);
    return first[0]?.[0];
  }

  /** Read `dead`'s log after `from` up to `to` in pages, handing each item with the session it is for. */
  private async readLog(dead: string, from: string, to: string, add: (id: string, item: LogItem) => void): Promise<void> {
    const streams = this.redis as unknown as StreamRedis;
    const stream = logKey(dead);
    let after = `(${from}`;
    for (let page = 0; page < 100_000; page++) {
      const entries = await streams.xrange(stream, after, to, 'COUNT', LOG_PAGE);
      for (const [entryId, fields] of entries) {
        after = `(${entryId}`;
        const head = fields[fields.indexOf('h') + 1];
        const ops = fields[fields.indexOf('o') + 1];
        if (head === undefined || ops === undefined) continue;
        let parsed: Op[];
        try {
          parsed = opsOf(batchOf(entryId, head, ops));
        } catch {
          continue;
        }
        for (const op of parsed) {
          if (op.o === 'd') for (const id of op.to) add(id, { d: op });
          else if (op.o === 'x' && op.c === undefined && op.n.startsWith('tunnel/')) {
            const target = (op.a as { to?: unknown } | null)?.to;
            if (typeof target === 'string') add(target, { op });
          }
        }
      }
      if (entries.length < LOG_PAGE) break;
    }
  }

  /**
   * Deliver what the dead node's log held for a session taken over here (after the record's
   * position), numbered on from the frames the dead node had sent it then (`sent`), skipping
   * those its client says it received (`seq`). Each is applied as the dead node would have (a
   * tunnel op runs its remote half here), into a scratch session that counts without sending;
   * an entry that gives the client no frame here counts none, so the numbering never runs ahead
   * of the dead node's (a frame may then be lost, never doubled).
   */
  private replayLog(peer: Peer, items: LogItem[], sent: number, seq: number): void {
    const real = peer.session!;
    const scratch = new Session(real.tokenHash, UNBOUNDED);
    scratch.continueFrom(sent, real.applied);
    scratch.away = true;
    peer.session = scratch;
    try {
      this.node.direct(() => {
        for (const item of items) {
          if ('d' in item) {
            const op = item.d;
            this.hub.sendEncoded(peer, op.s ?? new Uint8Array(Buffer.from(op.b!, 'base64')), op.t as never);
          } else this.node.replay(item.op);
        }
      });
    } finally {
      peer.session = real;
    }
    const frames = scratch.missed(sent) ?? [];
    const fresh = frames.slice(Math.max(0, seq - sent));
    for (const data of fresh) {
      if (peer.socketOpen) peer.queue.push(data);
      else real.record(data);
    }
    this.replayed += fresh.length;
    this.log.debug({ peer: peer.id, read: items.length, counted: frames.length, delivered: fresh.length }, 'cluster: frames read back from a dead node’s log');
  }

  /** The peer of a taken-over session: the ghost this node held of it, or a new one. */
  private rebuild(id: string, link: Link, record: SessionRecord, gone: ReadonlySet<string>): Peer {
    const { hub, node } = this;
    const { maxInfoKeys, maxInfoBytes } = hub.options;
    const info = new InfoPool(maxInfoKeys, maxInfoBytes);
    for (const [k, v] of Object.entries(record.info)) {
      try {
        info.set(k, v);
      } catch {
        // A record written by a node with larger limits is trimmed, not refused.
      }
    }
    const ghost = node.claimGhost(id);
    let peer: Peer;
    if (ghost) {
      // Peers here already point at this object: it becomes the local peer.
      peer = ghost;
      peer.remote = undefined;
      Object.assign(peer as unknown as Record<string, unknown>, { info, address: record.address, identity: record.identity, binary: record.binary, link });
    } else {
      peer = new Peer(id, link, record.address, info, record.identity, record.binary);
    }
    Object.assign(peer.flags, record.flags);
    for (const [field, relation, reverse] of RELATIONS) {
      for (const otherId of record[field]) {
        if (gone.has(otherId)) continue;
        const other = hub.peer(otherId) ?? node.ghostFor(otherId);
        if (!other || other.closed || other === peer) continue;
        if (!peer[relation].has(other)) peer.relate(relation, other);
        if (!other[reverse].has(peer)) other.relate(reverse, peer);
      }
    }
    return peer;
  }

  /**
   * `dead`'s lease is gone: its sessions are away for the grace window (nobody is told), then
   * those not taken over end. Every node schedules the sweep; one takes the lock and does it.
   * `fallback` runs later on every node for ghosts no record covered (a session its node had
   * not written yet).
   */
  nodeDied(dead: string, grace: number, fallback: () => void): void {
    this.nodeBack(dead);
    const sweep = setTimeout(() => {
      this.timers.delete(sweep);
      void this.sweep(dead);
    }, grace);
    const late = setTimeout(() => {
      this.timers.delete(late);
      fallback();
    }, grace + 10_000);
    for (const timer of [sweep, late]) {
      timer.unref();
      this.timers.add(timer);
    }
    this.byNode.set(dead, [sweep, late]);
  }

  /** Sweep timers of each node taken for dead. */
  private readonly byNode = new Map<string, NodeJS.Timeout[]>();

  /** `node` was taken for dead but is back (it fenced itself and kept its sessions): no sweep. */
  nodeBack(node: string): void {
    this.deadLogs.delete(node);
    for (const timer of this.byNode.get(node) ?? []) {
      clearTimeout(timer);
      this.timers.delete(timer);
    }
    this.byNode.delete(node);
  }

  private async sweep(dead: string): Promise<void> {
    // Past the grace window nothing of it is taken over: what was read of its log goes.
    this.deadLogs.delete(dead);
    try {
      const lock = await this.redis.set(`${this.prefix}sweep:${dead}`, this.node.nodeId, 'PX', SWEEP_LOCK, 'NX');
      if (lock === null) return;
      const ended = (await this.redis.eval(SWEEP, 1, this.sessionsKey(dead), dead, this.prefix)) as string[];
      if (ended.length) this.log.info({ node: dead, ended: ended.length }, 'cluster: sessions of a dead node not resumed in time ended');
      for (const id of ended) this.node.sessionEnded(id);
    } catch (error) {
      this.log.warn({ err: error, node: dead }, 'cluster: the sweep of a dead node failed');
    }
  }

  /** Nodes found with no connection to Redis, and when (a takeover storm asks once per node). */
  private readonly cutOff = new Map<string, number>();

  /** True when none of `node`'s Redis connections (named `mwse-<node>…`, see `RedisLink`) is open. */
  private async disconnected(node: string): Promise<boolean> {
    const at = this.cutOff.get(node);
    if (at !== undefined && Date.now() - at < this.leaseTtl) return true;
    const list = String(await this.redis.call('CLIENT', 'LIST'));
    const names = new Set([`mwse-${node}`, `mwse-${node}-sub`, `mwse-${node}-lease`, `mwse-${node}-rec`]);
    for (const line of list.split('\n')) {
      const name = / name=(\S*)/.exec(line)?.[1];
      if (name !== undefined && names.has(name)) return false;
    }
    this.cutOff.set(node, Date.now());
    return true;
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
