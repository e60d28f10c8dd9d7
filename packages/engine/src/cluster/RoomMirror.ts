import type { Logger } from '../log/Logger.js';
import type { ClusterRedis } from './RedisLink.js';
import type { RoomSettings } from '../services/Room.js';

/** A peer of a room record: its socket id and whether it speaks binary frames. */
export type RecordedPeer = [id: string, binary: boolean];

/**
 * What Redis keeps of one room so another node can re-home it when its home dies
 * (docs/cluster.md, "A room whose home dies"). Written by the home as the `d` field of the hash
 * `mwse:cluster:roomrec:<name>`, next to `node` (the home).
 */
export interface RoomRecord {
  owner: string;
  /** Listed members in join order (ownership passes to the first), the audience, the invited. */
  members: RecordedPeer[];
  audience: RecordedPeer[];
  invited: RecordedPeer[];
  /** The room's settings, the password as its salt and key, hex (never the password). */
  settings: Omit<RoomSettings, 'password'> & { password?: [salt: string, key: string] };
  info: Record<string, unknown>;
  /** The room's /24 (its index in the rooms range) and the host each member holds in it. */
  subnet?: { index: number; hosts: [id: string, host: number][] };
}

/**
 * One turn's writes, one script: `w` writes a record, `x` deletes one. A record is written only
 * while this node holds the room's name (a node that was taken for dead and re-homed elsewhere
 * writes nothing, and is told which names it lost), and deleted only while it is this node's.
 * KEYS: none. ARGV: node, the cluster's prefix, then op, name, value triples.
 */
const WRITE = `
local node, prefix, lost = ARGV[1], ARGV[2], {}
for i = 3, #ARGV, 3 do
  local op, name, v = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local key = prefix .. 'roomrec:' .. name
  if op == 'w' then
    if redis.call('GET', prefix .. 'room:' .. name) == node then
      redis.call('HSET', key, 'node', node, 'd', v)
    else
      lost[#lost + 1] = name
    end
  elseif redis.call('HGET', key, 'node') == node then
    redis.call('DEL', key)
  end
end
return lost
`;

/** Which of the ids given have a session record: 1 or 0 each. KEYS: the records' prefix. */
const LIVE = `
local out = {}
for i, id in ipairs(ARGV) do out[i] = redis.call('EXISTS', KEYS[1] .. id) end
return out
`;

/**
 * Mirrors the rooms homed on this node into Redis, batched like the session records: a room
 * whose state changed this event-loop turn (members, owner, policy, invitations, info, subnet;
 * never a room message) is marked, and one script call at the turn's end writes every marked
 * record and deletes those of rooms that closed.
 */
export class RoomMirror<R extends { readonly name: string }> {
  private readonly marked = new Set<R>();
  private readonly ended = new Set<string>();
  private scheduled = false;
  /** Names this node wrote for but no longer holds (re-homed elsewhere while it was taken for dead). */
  onLost: ((names: string[]) => void) | undefined;

  constructor(
    private readonly redis: ClusterRedis,
    private readonly nodeId: string,
    private readonly prefix: string,
    private readonly log: Logger,
    private readonly snapshot: (room: R) => RoomRecord | undefined,
  ) {}

  /** `room`'s record must be written this turn. */
  mark(room: R): void {
    this.ended.delete(room.name);
    this.marked.add(room);
    this.schedule();
  }

  /** The room closed: its record goes. */
  end(room: R): void {
    this.marked.delete(room);
    this.ended.add(room.name);
    this.schedule();
  }

  /** Which of `ids` have a session record now (a live or resumable session). */
  async live(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const found = (await this.redis.eval(LIVE, 1, `${this.prefix}session:`, ...ids)) as number[];
    return new Set(ids.filter((_, i) => found[i] === 1));
  }

  /** Rooms marked or ended and not yet written (tests wait for 0). */
  get pending(): number {
    return this.marked.size + this.ended.size;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.flush);
  }

  readonly flush = (): void => {
    this.scheduled = false;
    const args: string[] = [this.nodeId, this.prefix];
    for (const room of this.marked) {
      const record = this.snapshot(room);
      if (record) args.push('w', room.name, JSON.stringify(record));
    }
    for (const name of this.ended) args.push('x', name, '');
    this.marked.clear();
    this.ended.clear();
    if (args.length === 2) return;
    this.redis.eval(WRITE, 0, ...args).then(
      (lost) => {
        const names = lost as string[];
        if (names.length > 0) this.onLost?.(names);
      },
      (error: unknown) => this.log.warn({ err: error }, 'cluster: room records could not be written'),
    );
  };
}
