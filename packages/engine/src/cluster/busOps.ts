import type { DeliverOp, Op } from './Bus.js';
import type { PeerCard } from './Cluster.js';

// The ops of a batch as the channel and the log carry them (docs/cluster.md, "The bus"). Not one
// JSON array: a frame or a tunnel's payload is JSON text already, and as a string inside JSON it
// was escaped by the sender and unescaped by the receiver, which cost more than all the rest of
// a message's trip between nodes. The two hot ops (a tunnel frame, a delivery of encoded data)
// are written as records of length-prefixed strings, copied as they are; every other op goes as
// JSON, consecutive ones in one array. Records, one after another:
//
//   T <kind> <flags> <sender> [<address> [<identity>]] <to> [<id>] <text>   a tunnel op
//   D <s|b> <type> <count> <id>… <data>                                      a delivery
//   J <json array of ops>                                                    any other ops
//
// Every <field> is a string `<length>,<chars>` (length in UTF-16 units, as JS counts them).
// <kind>: `p` direct pack, `s` direct signal, `q` request, `r` response. <flags> is one digit,
// the sum of CARD (the sender's card, not its id alone), BINARY (the card's), IDENTITY (the card
// has one) and RAW_ERROR (the text is a response's error). A tunnel op's `from` is the batch's
// source; an op forwarded for another node goes as JSON.

const CARD = 1;
const BINARY = 2;
const IDENTITY = 4;
const RAW_ERROR = 8;

/** The remote halves a tunnel record stands for, by kind. */
const TUNNEL: Record<string, string> = { p: 'tunnel/direct', s: 'tunnel/direct', q: 'tunnel/request', r: 'tunnel/response' };

/** The keys of a tunnel op's arguments a record carries (`value` and `error` only when undefined). */
const TUNNEL_KEYS = new Set(['to', 'id', 'type', 'text', 'rawError', 'value', 'error']);

/** A tunnel op's arguments, as `services/tunnels.ts` sends them with a raw payload. */
interface TunnelArgs {
  to: string;
  id?: number;
  type?: 'pack' | 'signal';
  text: string;
  rawError?: boolean;
}

const field = (s: string) => `${s.length},${s}`;

/** The record of `op` when it is a tunnel op that fits one, else undefined. */
function tunnelRecord(op: Extract<Op, { o: 'x' }>, source: string): string | undefined {
  if (op.c !== undefined || op.from !== source) return undefined;
  const a = op.a as Partial<TunnelArgs> & { value?: unknown; error?: unknown } | null;
  if (a === null || typeof a !== 'object' || typeof a.text !== 'string' || typeof a.to !== 'string') return undefined;
  if (a.value !== undefined || a.error !== undefined) return undefined;
  // Only the fields a record keeps: anything else a tunnel op may carry one day goes as JSON.
  for (const key in a) if (!TUNNEL_KEYS.has(key)) return undefined;
  let kind: string;
  if (op.n === 'tunnel/direct') {
    if (a.id !== undefined) return undefined;
    if (a.type === 'pack') kind = 'p';
    else if (a.type === 'signal') kind = 's';
    else return undefined;
  } else if (op.n === 'tunnel/request' || op.n === 'tunnel/response') {
    if (a.type !== undefined || typeof a.id !== 'number') return undefined;
    kind = op.n === 'tunnel/request' ? 'q' : 'r';
  } else {
    return undefined;
  }
  if (a.rawError !== undefined && typeof a.rawError !== 'boolean') return undefined;
  const f = op.f;
  let flags = a.rawError ? RAW_ERROR : 0;
  let sender: string;
  if (f) {
    flags |= CARD | (f.binary ? BINARY : 0) | (f.identity === undefined ? 0 : IDENTITY);
    sender = field(f.id) + field(f.address) + (f.identity === undefined ? '' : field(f.identity));
  } else if (typeof op.i === 'string') {
    sender = field(op.i);
  } else {
    return undefined;
  }
  return `T${kind}${String.fromCharCode(0x30 + flags)}${sender}${field(a.to)}${kind === 'q' || kind === 'r' ? field(String(a.id)) : ''}${field(a.text)}`;
}

function deliveryRecord(op: DeliverOp): string | undefined {
  const data = op.s ?? op.b;
  if (data === undefined) return undefined;
  let ids = '';
  for (const id of op.to) ids += field(id);
  return `D${op.s === undefined ? 'b' : 's'}${field(op.t)}${field(String(op.to.length))}${ids}${field(data)}`;
}

/** `ops` of a batch from node `source`, written as the channel and the log carry them. */
export function writeOps(ops: readonly Op[], source: string): string {
  let out = '';
  let json: Op[] | undefined;
  for (const op of ops) {
    const record = op.o === 'x' ? tunnelRecord(op, source) : op.o === 'd' ? deliveryRecord(op) : undefined;
    if (record === undefined) {
      (json ??= []).push(op);
      continue;
    }
    if (json) {
      out += `J${field(JSON.stringify(json))}`;
      json = undefined;
    }
    out += record;
  }
  if (json) out += `J${field(JSON.stringify(json))}`;
  return out;
}

/** Reads the fields of one batch's ops; throws on anything malformed (a bug or a foreign writer). */
class Reader {
  at = 0;
  constructor(private readonly text: string) {}

  char(): string {
    if (this.at >= this.text.length) throw new Error('bus ops: truncated');
    return this.text[this.at++]!;
  }

  field(): string {
    const { text } = this;
    let length = 0;
    let digits = 0;
    for (;;) {
      const c = text.charCodeAt(this.at++);
      if (c === 0x2c /* , */ && digits > 0) break;
      if (!(c >= 0x30 && c <= 0x39) || ++digits > 9) throw new Error('bus ops: bad length');
      length = length * 10 + c - 0x30;
    }
    const end = this.at + length;
    if (end > text.length) throw new Error('bus ops: truncated');
    const value = text.slice(this.at, end);
    this.at = end;
    return value;
  }

  count(): number {
    const n = Number(this.field());
    if (!Number.isSafeInteger(n) || n < 0) throw new Error('bus ops: bad count');
    return n;
  }
}

function readTunnel(r: Reader, source: string): Op {
  const kind = r.char();
  const name = TUNNEL[kind];
  const flags = r.char().charCodeAt(0) - 0x30;
  if (name === undefined || flags < 0 || flags > 15) throw new Error('bus ops: bad tunnel record');
  const id = r.field();
  let card: PeerCard | undefined;
  if (flags & CARD) {
    const address = r.field();
    card = { id, binary: (flags & BINARY) !== 0, address };
    if (flags & IDENTITY) card.identity = r.field();
  }
  const to = r.field();
  const a: TunnelArgs = kind === 'p' || kind === 's' ? { to, type: kind === 'p' ? 'pack' : 'signal', text: '' } : { to, id: Number(r.field()), text: '' };
  a.text = r.field();
  if (flags & RAW_ERROR) a.rawError = true;
  else a.rawError = false;
  return card ? { o: 'x', n: name, f: card, a, from: source } : { o: 'x', n: name, i: id, a, from: source };
}

function readDelivery(r: Reader): DeliverOp {
  const form = r.char();
  if (form !== 's' && form !== 'b') throw new Error('bus ops: bad delivery record');
  const t = r.field();
  const count = r.count();
  const to: string[] = [];
  for (let k = 0; k < count; k++) to.push(r.field());
  const data = r.field();
  return form === 's' ? { o: 'd', to, t, s: data } : { o: 'd', to, t, b: data };
}

/** The ops `writeOps` wrote for a batch of node `source`; throws when `text` is not that. */
export function readOps(text: string, source: string): Op[] {
  const r = new Reader(text);
  const ops: Op[] = [];
  while (r.at < text.length) {
    const tag = r.char();
    if (tag === 'T') ops.push(readTunnel(r, source));
    else if (tag === 'D') ops.push(readDelivery(r));
    else if (tag === 'J') {
      const list = JSON.parse(r.field()) as unknown;
      if (!Array.isArray(list)) throw new Error('bus ops: bad JSON record');
      for (const op of list) ops.push(op as Op);
    } else throw new Error('bus ops: bad record');
  }
  return ops;
}
