import type { Op } from './Bus.js';
import { readOps } from './busOps.js';

// The bus's log in Redis (docs/cluster.md, "The log behind the bus"): the scripts that write and
// probe it, and the batch as the channel and the log carry it.

/**
 * One turn's batch to one node: fenced, logged, published. KEYS: the target's log, its channel,
 * the sender's lease. ARGV: the sender's tag (its lease's value), the batch's header, its ops,
 * the log's retention (ms). The stream entry keeps the header (`h`, see `batchHead`) and the ops
 * (`o`, written by `writeOps`) apart, so the batch is copied once into the stream and once into
 * the message: the header as a JSON object with the stream id first, a newline, the ops. A sender whose lease is gone or is another's (it was taken for dead:
 * the others may have forgotten its peers) appends and publishes nothing: -1. Otherwise the
 * batch is appended to the target's stream (entries older than the retention trimmed, the
 * stream expiring if no batch comes for twice that) and published with its stream id, in one
 * step, so what the channel carries and what the log holds agree.
 */
export const DELIVER = `
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return -1 end
local t = redis.call('TIME')
local retention = tonumber(ARGV[4])
local minid = string.format('%d', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - retention)
local id = redis.call('XADD', KEYS[1], 'MINID', '~', minid, '*', 'h', ARGV[2], 'o', ARGV[3])
redis.call('PEXPIRE', KEYS[1], retention * 2)
return redis.call('PUBLISH', KEYS[2], '{"i":"' .. id .. '",' .. ARGV[2] .. '}\\n' .. ARGV[3])
`;

/**
 * The probe: an empty message on the node's own channel carrying the id of the last entry of
 * its log. Published after every batch appended before it, it arrives after them unless they were
 * lost: a last id past what the node has handled is a gap, filled from the log.
 */
export const PROBE = `
local e = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local last = ''
if e[1] then last = e[1][1] end
return redis.call('PUBLISH', KEYS[2], '{"p":"' .. last .. '"}')
`;

/**
 * A batch as the channel and the log carry it: stream id `i`, source node `n`, its sequence's
 * epoch `e` (the source's incarnation, and a count of the times it restarted its sequence to
 * this node), sequence number `q` (1, 2, … per source → target and epoch), and its ops as
 * `writeOps` wrote them, read (`opsOf`) only when the batch is applied.
 */
export interface Batch {
  i: string;
  n: string;
  e: string;
  q: number;
  ops: string;
}

/** A batch's header as the log keeps it (`h`): the JSON object's fields without braces. */
export function batchHead(node: string, epoch: string, seq: number): string {
  return `"n":${JSON.stringify(node)},"e":${JSON.stringify(epoch)},"q":${seq}`;
}

/** A batch from its stream id and the entry's `h` and `o` fields; throws when the header is not one. */
export function batchOf(id: string, head: string, ops: string): Batch {
  const h = JSON.parse(`{${head}}`) as Partial<Batch>;
  if (typeof h.n !== 'string' || typeof h.e !== 'string' || typeof h.q !== 'number') throw new Error('bus: bad batch header');
  return { i: id, n: h.n, e: h.e, q: h.q, ops };
}

/**
 * A message of a node's channel: a batch (`DELIVER`), or a probe (`PROBE`) with the id of the
 * log's last entry. Throws when it is neither.
 */
export function readMessage(message: string): Batch | { p: string } {
  const nl = message.indexOf('\n');
  if (nl < 0) {
    const probe = JSON.parse(message) as { p?: unknown };
    if (typeof probe.p !== 'string') throw new Error('bus: not a batch or a probe');
    return { p: probe.p };
  }
  const h = JSON.parse(message.slice(0, nl)) as Partial<Batch>;
  if (typeof h.i !== 'string' || typeof h.n !== 'string' || typeof h.e !== 'string' || typeof h.q !== 'number') throw new Error('bus: bad batch header');
  return { i: h.i, n: h.n, e: h.e, q: h.q, ops: message.slice(nl + 1) };
}

/** The ops of `batch`; throws when they are malformed. */
export function opsOf(batch: Batch): Op[] {
  return readOps(batch.ops, batch.n);
}

/** The ioredis calls the log needs beyond `ClusterRedis`. */
export interface StreamRedis {
  xrange(key: string, start: string, end: string, count: 'COUNT', n: number): Promise<[string, string[]][]>;
  xrevrange(key: string, end: string, start: string, count: 'COUNT', n: number): Promise<[string, string[]][]>;
}

/** Stream ids `ms-seq` in order: negative, 0 or positive. */
export function compareIds(a: string, b: string): number {
  const da = a.indexOf('-');
  const db = b.indexOf('-');
  const ma = Number(a.slice(0, da));
  const mb = Number(b.slice(0, db));
  if (ma !== mb) return ma - mb;
  return Number(a.slice(da + 1)) - Number(b.slice(db + 1));
}
