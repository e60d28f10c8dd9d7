import type { SessionFlags } from '@mwse/protocol';
import type { Logger } from '../log/Logger.js';
import type { Peer } from '../Peer.js';
import type { TurnWrite } from './Bus.js';

/**
 * What Redis keeps of one resumable session so another node can take it over when its node dies
 * (docs/cluster.md, "Node death"). Written by the owner node, as the `d` field of the hash
 * `mwse:cluster:session:<id>`, next to `node` (the owner), `gen` (the fencing generation, raised
 * by every takeover) and `a` (counted client frames applied).
 */
export interface SessionRecord {
  /** SHA-256 of the current resume token, hex; `prev`: of the one before the last rotation. */
  tok: string;
  prev?: string;
  identity?: string;
  binary: boolean;
  address: string;
  flags: Required<SessionFlags>;
  info: Record<string, unknown>;
  /** Socket ids of the peers in each relation. */
  trusted: string[];
  trustedBy: string[];
  reqFrom: string[];
  reqTo: string[];
  watchers: string[];
  /** Rooms homed on the owner node the peer is in, and whether it owns them. */
  rooms: [name: string, owner: boolean][];
}

/** The hash fields of a session record as `HGETALL` returns them. */
export interface StoredSession {
  node: string;
  gen: string;
  a?: string;
  /**
   * Counted server frames queued for the client, as of the turn whose end wrote the node's log
   * position (`mwse:cluster:pos:<node>`): consistent with it, written in the same script.
   */
  s?: string;
  /**
   * A checkpoint its client is known to be past: `k` counted frames sent as of log position
   * `q`, from an earlier write whose count the client has acked since. A taker reads the log
   * after `q` when the client has fewer than `s` (the frames counted but lost with the dead
   * node's socket).
   */
  k?: string;
  q?: string;
  d: string;
}

/**
 * One turn's writes, one script: `w` writes a record, `a` its applied count, `c` its applied
 * count and its count of frames sent (`applied,sent`, then `,k,q` when its checkpoint is
 * known), `x` deletes it; `p` (no id) the node's
 * position in its bus log, as of the counts written with it. A record another node has taken
 * over is left alone and its id returned: this node is fenced for that session (it was taken
 * for dead) and must drop its socket. The counts and the position are written only while the
 * node holds its lease (KEYS[2] holds ARGV[3]), as the bus publishes only then: a count never
 * covers a frame whose publish the fence refused. Returns 1 (counts written) or 0, then the
 * fenced ids.
 */
const WRITE = `
local node, prefix, out = ARGV[1], ARGV[2], {0}
local counts = KEYS[2] == '' or redis.call('GET', KEYS[2]) == ARGV[3]
for i = 4, #ARGV, 3 do
  local op, id, v = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local key = prefix .. 'session:' .. id
  local owner = false
  if op ~= 'p' then owner = redis.call('HGET', key, 'node') end
  if op == 'p' then
    if counts then redis.call('SET', prefix .. 'pos:' .. node, v) end
  elseif owner and owner ~= node then
    out[#out + 1] = id
  elseif op == 'w' then
    if not owner then redis.call('HSET', key, 'gen', '1') end
    redis.call('HSET', key, 'node', node, 'd', v)
    redis.call('SADD', KEYS[1], id)
  elseif op == 'a' then
    if owner and counts then redis.call('HSET', key, 'a', v) end
  elseif op == 'c' then
    if owner and counts then
      local f = {}
      for part in string.gmatch(v, '[^,]+') do f[#f + 1] = part end
      redis.call('HSET', key, 'a', f[1], 's', f[2])
      if f[4] then redis.call('HSET', key, 'k', f[3], 'q', f[4]) end
    end
  elseif op == 'x' and owner then
    redis.call('DEL', key)
    redis.call('SREM', KEYS[1], id)
    redis.call('HDEL', prefix .. 'moved', id)
  end
end
if counts then out[1] = 1 end
return out
`;

/** A session's written (count, position) pairs not acked yet, and its checkpoint. */
interface Written {
  pending: [sent: number, position: string][];
  at: [sent: number, position: string] | undefined;
}

/** Pairs kept per session while its client has not acked them (see `checkpoint`). */
const MAX_WRITTEN = 64;

/**
 * Mirrors this node's resumable sessions into Redis, batched: a peer whose state changed this
 * event-loop turn is marked, and one script call at the turn's end writes every marked record
 * (or only its applied count, when only that changed) and deletes those of ended sessions.
 *
 * The bus runs the script, after the turn's batches and in one MULTI/EXEC with them: an applied
 * count in Redis never runs ahead of what its frames published, and a publish never stands
 * without the count that says its frame was applied (a process killed mid-write leaves neither;
 * docs/cluster.md, "Node death"). What Redis confirmed is handed to {@link confirmed}, for the
 * session's acks.
 */
export class SessionMirror {
  /** Per marked peer: true when its whole record must be written, false for its applied count. */
  private readonly marked = new Map<Peer, boolean>();
  /** Per session, its counts written with a log position, for its checkpoint (`checkpoint`). */
  private readonly written = new WeakMap<Peer, Written>();
  private readonly ended = new Set<string>();
    /** Ids whose records another node holds now (told by the write script). */
  onFenced: ((ids: string[]) => void) | undefined;
  /**
   * How far this node has applied its bus log (`Bus.appliedAt`): written with every turn's
   * counts, so a taker of a session reads the log after it (docs/cluster.md, "Node death").
   */
  position: (() => string) | undefined;
  /** The lease the counts are fenced with, as the bus's publishes are (`Bus.fence`). */
  lease: (() => { key: string; value: string }) | undefined;
  /** Redis holds `applied` as `peer`'s count now (its write answered). */
  confirmed: ((peer: Peer, applied: number) => void) | undefined;

  constructor(
    private readonly nodeId: string,
    private readonly prefix: string,
    private readonly log: Logger,
    private readonly snapshot: (peer: Peer) => SessionRecord,
    /** Asks the bus to flush at the end of this turn: it takes this turn's write (`take`). */
    private readonly schedule: () => void,
  ) {}

  /** Hooks a local session's peer so relation changes mark it. */
  readonly track = (peer: Peer): void => {
    peer.changed = this.changed;
    this.mark(peer, true);
  };

  private readonly changed = (peer: Peer): void => {
    this.mark(peer, true);
  };

  /** `peer`'s record (`whole`) or its applied count must be written this turn. */
  mark(peer: Peer, whole: boolean): void {
    if (peer.remote !== undefined || !peer.session) return;
    if (whole) this.marked.set(peer, true);
    else if (!this.marked.has(peer)) this.marked.set(peer, false);
    this.schedule();
  }

  /** The session moved to another node, which writes its record from now on. */
  untrack(peer: Peer): void {
    peer.changed = undefined;
    this.marked.delete(peer);
  }

  /** The session ended: its record goes (unless another node holds it now). */
  end(peer: Peer): void {
    if (peer.remote !== undefined || !peer.session) return;
    peer.changed = undefined;
    this.marked.delete(peer);
    this.ended.add(peer.id);
    this.schedule();
  }

  /**
   * The latest of `peer`'s written (count, position) pairs whose count its client has acked:
   * everything it was sent up to that position, it has. Pairs not acked yet wait (a few: acks
   * come every 256 frames or 25 ms); past `MAX_WRITTEN` the oldest go, which only leaves the
   * checkpoint older. This turn's pair is added after, as it is not acked yet.
   */
  private checkpoint(peer: Peer, session: { sent: number; acked: number }, at: string): [number, string] | undefined {
    let w = this.written.get(peer);
    if (!w) {
      w = { pending: [], at: undefined };
      this.written.set(peer, w);
    }
    while (w.pending.length > 0 && w.pending[0]![0] <= session.acked) w.at = w.pending.shift();
    const last = w.pending.at(-1);
    if (!last || last[0] !== session.sent) {
      w.pending.push([session.sent, at]);
      if (w.pending.length > MAX_WRITTEN) w.pending.shift();
    }
    return w.at;
  }

  /**
   * This turn's write, taken out: the bus runs it after the turn's batches, in one transaction
   * with them, once it has queued them (so every count here is covered by a publish before it).
   */
  take(): TurnWrite | undefined {
    if (this.marked.size === 0 && this.ended.size === 0) return undefined;
    const args: string[] = [this.nodeId, this.prefix, ''];
    const counted: [Peer, number][] | undefined = this.confirmed ? [] : undefined;
    // The counts below are as of this position: read in the same synchronous step, and written
    // in every script (one that failed must not leave counts newer than the position stored).
    const at = this.position?.();
    for (const [peer, whole] of this.marked) {
      const { session } = peer;
      if (peer.closed || !session) continue;
      const { applied, sent } = session;
      if (whole) args.push('w', peer.id, JSON.stringify(this.snapshot(peer)));
      if (at === undefined) args.push('a', peer.id, String(applied));
      else {
        const mark = this.checkpoint(peer, session, at);
        args.push('c', peer.id, mark ? `${applied},${sent},${mark[0]},${mark[1]}` : `${applied},${sent}`);
      }
      counted?.push([peer, applied]);
    }
    for (const id of this.ended) args.push('x', id, '');
    if (at !== undefined && args.length > 3) args.push('p', '', at);
    this.marked.clear();
    this.ended.clear();
    if (args.length === 3) return undefined;
    const lease = this.lease?.();
    if (lease) args[2] = lease.value;
    return {
      script: WRITE,
      keys: [`${this.prefix}sessions:${this.nodeId}`, lease?.key ?? ''],
      args,
      done: (error, reply) => {
        if (error) {
          this.log.warn({ err: error }, 'cluster: session records could not be written');
          return;
        }
        const [written, ...fenced] = reply as [number, ...string[]];
        if (fenced.length > 0) this.onFenced?.(fenced);
        if (written !== 1 || !counted) return;
        const skip = fenced.length > 0 ? new Set(fenced) : undefined;
        for (const [peer, applied] of counted) if (!skip?.has(peer.id)) this.confirmed!(peer, applied);
      },
    };
  }
}
