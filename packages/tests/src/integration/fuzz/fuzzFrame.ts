import { CLIENT_FRAME_TYPES, FieldLimits, type ClientFrameType } from '@mwse/protocol';
import type { Prng } from './Prng.js';
import {
  HOSTILE_KEYS,
  deepDepth,
  deepJson,
  hostileNumber,
  payload,
  stringNear,
  unicodeString,
  withKey,
  wrongValue,
} from './fuzzValue.js';

/**
 * What a fuzzing socket knows about the server's state, so that many frames are valid enough to
 * reach deep into services (real peers, rooms that exist, notifications that were sent).
 */
export interface FuzzTargets {
  /** Socket ids of connected peers (other fuzzers and the canaries). */
  peers(): readonly string[];
  /** Room names fuzzers share. */
  readonly rooms: readonly string[];
  /** Identities the bridge gives fuzzers. */
  readonly identities: readonly string[];
  /** Notification ids this socket has seen. */
  readonly nids: string[];
  /** Virtual addresses this socket has seen. */
  readonly addresses: string[];
}

type Frame = Record<string, unknown>;
type Build = (g: FrameGen) => Frame;

/** Generates one frame of a given type from a PRNG and the targets. */
class FrameGen {
  constructor(
    readonly prng: Prng,
    readonly targets: FuzzTargets,
    readonly seq: number,
  ) {}

  id(): number {
    return this.prng.chance(0.9) ? this.seq : this.prng.int(0, 2 ** 32 + 5);
  }

  peer(): string {
    const peers = this.targets.peers();
    if (peers.length > 0 && this.prng.chance(0.85)) return this.prng.pick(peers);
    return this.prng.pick(['server', this.prng.uuid(), 'me', unicodeString(this.prng)]);
  }

  room(): string {
    return this.prng.chance(0.9) ? this.prng.pick(this.targets.rooms) : unicodeString(this.prng);
  }

  key(): string {
    return this.prng.pick(['name', 'avatar', 'k', ...HOSTILE_KEYS, unicodeString(this.prng)]);
  }

  payload(): unknown {
    return payload(this.prng, this.seq);
  }

  /** Fields that are optional: present about half the time. */
  maybe<T>(value: () => T): T | undefined {
    return this.prng.chance(0.5) ? value() : undefined;
  }
}

const toPeer = (type: ClientFrameType): Build => (g) => ({ type, id: g.id(), to: g.peer() });
const inRoom = (type: ClientFrameType): Build => (g) => ({ type, id: g.id(), name: g.room() });
const idOnly = (type: ClientFrameType): Build => (g) => ({ type, id: g.id() });

/** A valid frame of every client frame type; the record type makes a new type a compile error here. */
const BUILDERS: Record<ClientFrameType, Build> = {
  'pack/to': (g) => ({ type: 'pack/to', to: g.peer(), pack: g.payload() }),
  'pack/room': (g) => ({ type: 'pack/room', room: g.room(), pack: g.payload() }),
  'signal/to': (g) => ({ type: 'signal/to', to: g.peer(), data: g.payload() }),
  'request/to': (g) => ({ type: 'request/to', id: g.id(), to: g.peer(), body: g.payload() }),
  'response/to': (g) => ({
    type: 'response/to',
    id: g.prng.int(0, 50),
    to: g.peer(),
    body: g.payload(),
    error: g.maybe(() => ({ code: g.prng.pick(['no-handler', 'remote-error']), message: unicodeString(g.prng) })),
  }),
  'request/cancel': toPeer('request/cancel'),
  'pair/request': toPeer('pair/request'),
  'pair/accept': toPeer('pair/accept'),
  'pair/reject': toPeer('pair/reject'),
  'pair/end': toPeer('pair/end'),
  'pair/list': idOnly('pair/list'),
  'peer/reachable': (g) => ({ type: 'peer/reachable', id: g.id(), peer: g.peer() }),
  'session/set': (g) => ({
    type: 'session/set',
    id: g.id(),
    // Mostly open: a fuzzer that accepts traffic makes the others' payloads really get delivered.
    flags: { pairauth: g.prng.chance(0.2), readable: g.prng.chance(0.8), writable: g.prng.chance(0.8), pairinfo: g.prng.chance(0.8) },
  }),
  'info/set': (g) => ({ type: 'info/set', id: g.id(), key: g.key(), value: g.payload() }),
  'info/get': (g) => ({ type: 'info/get', id: g.id(), peer: g.peer(), key: g.maybe(() => g.key()) }),
  'room/create': (g) => {
    const joinType = g.prng.pick(['free', 'free', 'password', 'invite', 'lock'] as const);
    return {
      type: 'room/create',
      id: g.id(),
      name: g.room(),
      joinType,
      password: joinType === 'password' || g.prng.chance(0.1) ? g.prng.pick(['pw', stringNear(g.prng, FieldLimits.password)]) : undefined,
      ifexistsJoin: g.prng.chance(0.7),
      maxMembers: g.maybe(() => g.prng.int(1, 50)),
      description: g.maybe(() => g.prng.pick([unicodeString(g.prng), stringNear(g.prng, FieldLimits.roomDescription)])),
      visibility: g.maybe(() => g.prng.pick(['public', 'private'])),
      mode: g.maybe(() => g.prng.pick(['normal', 'broadcast'])),
      publish: g.maybe(() => g.prng.pick(['owner', 'members'])),
    };
  },
  'room/join': (g) => ({ type: 'room/join', id: g.id(), name: g.room(), password: g.maybe(() => 'pw') }),
  'room/leave': inRoom('room/leave'),
  'room/peers': inRoom('room/peers'),
  'room/invite': (g) => ({ type: 'room/invite', id: g.id(), name: g.room(), peer: g.peer() }),
  'room/eject': (g) => ({ type: 'room/eject', id: g.id(), name: g.room(), peer: g.peer() }),
  'room/lock': inRoom('room/lock'),
  'room/unlock': inRoom('room/unlock'),
  'notify/send': (g) => {
    const toIdentity = g.prng.chance(0.6);
    return {
      type: 'notify/send',
      id: g.id(),
      ...(toIdentity ? { identity: g.prng.pick(g.targets.identities) } : { to: g.peer() }),
      title: g.prng.pick(['hello', unicodeString(g.prng), stringNear(g.prng, FieldLimits.notificationTitle)]),
      body: g.maybe(() => g.prng.pick(['body', stringNear(g.prng, FieldLimits.notificationBody)])),
      actions: g.maybe(() => [{ id: 'ok', title: 'OK' }, { id: 'no', title: unicodeString(g.prng) }]),
      data: g.payload(),
      ttl: g.maybe(() => g.prng.int(1, 60)),
    };
  },
  'notify/ack': (g) => ({ type: 'notify/ack', nid: g.targets.nids.length ? g.prng.pick(g.targets.nids) : g.prng.uuid() }),
  'notify/reply': (g) => ({
    type: 'notify/reply',
    id: g.id(),
    nid: g.targets.nids.length ? g.prng.pick(g.targets.nids) : g.prng.uuid(),
    action: g.prng.pick(['ok', 'no', 'other']),
    data: g.payload(),
  }),
  'address/claim': idOnly('address/claim'),
  'address/release': idOnly('address/release'),
  'address/resolve': (g) => ({
    type: 'address/resolve',
    id: g.id(),
    address: g.targets.addresses.length && g.prng.chance(0.7) ? g.prng.pick(g.targets.addresses) : g.prng.pick(['10.0.0.1', 'ABCD-EFGH', '1234567', unicodeString(g.prng)]),
  }),
  'room/subnet': inRoom('room/subnet'),
  'room/info/set': (g) => ({ type: 'room/info/set', id: g.id(), name: g.room(), key: g.key(), value: g.payload() }),
  'room/info/get': (g) => ({ type: 'room/info/get', id: g.id(), name: g.room(), key: g.maybe(() => g.key()) }),
  'room/list': idOnly('room/list'),
  'session/ack': (g) => ({ type: 'session/ack', seq: g.prng.pick([0, 1, 7, 1000, Number.MAX_SAFE_INTEGER]) }),
  'session/resume': (g) => ({ type: 'session/resume', socketId: g.peer(), token: g.prng.uuid(), seq: 0, from: 0 }),
  'session/end': () => ({ type: 'session/end' }),
  'broadcast/ice': (g) => ({ type: 'broadcast/ice', id: g.id(), room: g.room() }),
  'broadcast/publish': (g) => ({ type: 'broadcast/publish', id: g.id(), room: g.room(), name: g.prng.pick(['cam', 'main']), offer: g.prng.pick(['v=0\r\n', unicodeString(g.prng)]) }),
  'broadcast/watch': (g) => ({ type: 'broadcast/watch', id: g.id(), room: g.room(), name: g.prng.pick(['cam', 'main']), offer: 'v=0\r\n' }),
  'broadcast/stop': (g) => ({ type: 'broadcast/stop', id: g.id(), session: g.prng.uuid() }),
  'broadcast/list': (g) => ({ type: 'broadcast/list', id: g.id(), room: g.room() }),
  'broadcast/grant': (g) => ({ type: 'broadcast/grant', id: g.id(), room: g.room(), peer: g.peer(), allow: g.prng.chance(0.5) }),
};

/** A valid frame of `type` (payloads may still be hostile: deep, odd keys, odd text). */
export function validFrame(prng: Prng, targets: FuzzTargets, type: ClientFrameType, seq: number): Frame {
  const frame = BUILDERS[type](new FrameGen(prng, targets, seq));
  // Optional fields the builder left out are dropped, as a client would.
  for (const key of Object.keys(frame)) if (frame[key] === undefined) delete frame[key];
  return frame;
}

/** Field limits by field name, for strings just past them. */
const LIMIT_OF: Record<string, number> = {
  to: FieldLimits.peerId,
  peer: FieldLimits.peerId,
  room: FieldLimits.roomName,
  name: FieldLimits.roomName,
  key: FieldLimits.infoKey,
  password: FieldLimits.password,
  description: FieldLimits.roomDescription,
  identity: FieldLimits.identity,
  nid: FieldLimits.notificationId,
  title: FieldLimits.notificationTitle,
  body: FieldLimits.notificationBody,
  action: FieldLimits.actionId,
  address: FieldLimits.address,
};

/** Fields that carry application data: deep nesting goes into these. */
const PAYLOAD_FIELDS = ['pack', 'data', 'body', 'value'];

/**
 * A field as text, whatever an earlier mutation made of it: `String()` throws on an object whose
 * `toString` and `valueOf` were replaced by hostile keys.
 */
function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}

/** Break one thing about a frame: a field's type, presence, size, or the frame's `type`. */
export function mutate(prng: Prng, frame: Frame): void {
  const keys = Object.keys(frame);
  const key = prng.pick(keys.length > 0 ? keys : ['type']);
  switch (prng.int(0, 9)) {
    case 0: // wrong type
      frame[key] = wrongValue(prng);
      break;
    case 1: // missing field
      delete frame[key];
      break;
    case 2: // extra field, often a prototype key
      withKey(frame, prng.chance(0.6) ? prng.pick(HOSTILE_KEYS) : 'extra', wrongValue(prng));
      break;
    case 3: // ids out of range
      frame.id = prng.pick([-1, -(2 ** 53), 2 ** 53 + 2, 1.5, hostileNumber(prng), 'NaN', '7']);
      break;
    case 4: // deep nesting in a payload field (or a field that wants a string)
      frame[prng.pick(PAYLOAD_FIELDS.filter((f) => f in frame).concat(key))] = deepJson(prng, deepDepth(prng));
      break;
    case 5: // string fields near their limits
      frame[key] = stringNear(prng, LIMIT_OF[key] ?? prng.pick([64, 128, 256, 1024]));
      break;
    case 6: // unicode edge cases in any string field
      frame[key] = unicodeString(prng);
      break;
    case 7: { // a type that is almost right
      const type = asText(frame.type);
      frame.type = prng.pick([
        `${type} `,
        type.toUpperCase(),
        '__proto__',
        'constructor',
        'hello',
        'result',
        `${type}/x`,
        unicodeString(prng),
      ]);
      break;
    }
    case 8: // nested objects where flags or errors are expected
      frame[key] = { flags: { pairauth: 'yes' }, error: { code: 'internal', message: 1 } };
      break;
    default: // an array or object wrapping a valid value
      frame[key] = prng.chance(0.5) ? [frame[key]] : { value: frame[key] };
  }
}

/** Every client frame type, from the protocol's own list. */
// `session/end` is left out: it ends the fuzzing connection's session on purpose (resume.test.ts covers it).
export const FRAME_TYPES: readonly ClientFrameType[] = CLIENT_FRAME_TYPES.filter((type) => type !== 'session/end');
