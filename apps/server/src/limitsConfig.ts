import { ENGINE_DEFAULTS } from '@mwse/engine';
import { ConfigError } from './ConfigError.js';
import {
  parseDuration,
  parseFlag,
  parseInteger,
  parseList,
  parseNetwork,
  parseOrigin,
  parseSecret,
  type Ipv4Network,
} from './parseValues.js';
import type { ReadVariable } from './readVariable.js';

/** Admission, abuse limits, pools, notifications, virtual networks and the API (docs/limits.md). */
export interface LimitsConfig {
  /** Origins allowed to open a WebSocket; empty allows all (`MWSE_ALLOWED_ORIGINS`). */
  allowedOrigins: string[];
  /** Open connections per client address (`MWSE_MAX_CONNECTIONS_PER_ADDRESS`). */
  maxConnectionsPerAddress: number;
  /** Proxies of yours in front; the client address is that many `x-forwarded-for` entries from the right (`MWSE_TRUST_PROXY`). */
  trustProxy: number;
  /** Frames per second per connection, 0 for no limit (`MWSE_RATE_LIMIT`). */
  rateLimit: number;
  /** Frames a connection may send at once above the rate (`MWSE_RATE_BURST`). */
  rateBurst: number;
  /** Peer info pool limits (`MWSE_MAX_INFO_KEYS`, `MWSE_MAX_INFO_BYTES`). */
  maxInfoKeys: number;
  maxInfoBytes: number;
  /** Room info pool limits (`MWSE_MAX_ROOM_INFO_KEYS`, `MWSE_MAX_ROOM_INFO_BYTES`). */
  maxRoomInfoKeys: number;
  maxRoomInfoBytes: number;
  /** Requests one connection may have in flight (`MWSE_MAX_PENDING_REQUESTS`). */
  maxPendingRequests: number;
  /** Rooms one connection may be in (`MWSE_MAX_ROOMS_PER_PEER`). */
  maxRoomsPerPeer: number;
  /** Seconds a notification waits for an offline identity by default (`MWSE_NOTIFY_TTL`). */
  notifyDefaultTtl: number;
  /** Stored notifications per recipient and per sender (`MWSE_NOTIFY_MAX_PER_IDENTITY`, `…_PER_SENDER`). */
  notifyMaxPerIdentity: number;
  notifyMaxPerSender: number;
  /** Stored notifications in all (`MWSE_NOTIFY_MAX_STORED`). */
  notifyMaxStored: number;
  /**
   * Bytes of stored notification frames per recipient, per sender and in all
   * (`MWSE_NOTIFY_MAX_BYTES_PER_IDENTITY`, `…_PER_SENDER`, `MWSE_NOTIFY_MAX_BYTES_STORED`).
   */
  notifyMaxBytesPerIdentity: number;
  notifyMaxBytesPerSender: number;
  notifyMaxBytesStored: number;
  /** Room password checks at once, in all and per connection (`MWSE_MAX_PASSWORD_CHECKS`, `…_PER_PEER`). */
  maxPasswordChecks: number;
  maxPasswordChecksPerPeer: number;
  /** Virtual IPv4 ranges of peers and of room /24s (`MWSE_PEERS_NETWORK`, `MWSE_ROOMS_NETWORK`). */
  peersNetwork: string;
  roomsNetwork: string;
  /** Bearer token that allows minting API keys from other hosts than loopback (`MWSE_ADMIN_TOKEN`). */
  adminToken?: string;
  /** Largest `/api` request body in bytes (`MWSE_API_BODY_LIMIT`). */
  apiBodyLimit: number;
}

const D = ENGINE_DEFAULTS;
const MAX = Number.MAX_SAFE_INTEGER;
/** Notifications may wait 30 days at most (the protocol's `ttl` ceiling). */
const MAX_NOTIFY_TTL_MS = 30 * 86_400_000;

const count = (min: number, max = MAX) => (text: string) => parseInteger(text, min, max);

/** Read {@link LimitsConfig}; throws a `ConfigError` naming the first bad variable. */
export function readLimits(read: ReadVariable): LimitsConfig {
  const peers = read<Ipv4Network | undefined>('MWSE_PEERS_NETWORK', undefined, (t) => parseNetwork(t, 30));
  const rooms = read<Ipv4Network | undefined>('MWSE_ROOMS_NETWORK', undefined, (t) => parseNetwork(t, 24));
  const peersNetwork = peers?.cidr ?? D.peersNetwork;
  const roomsNetwork = rooms?.cidr ?? D.roomsNetwork;
  if ((peers || rooms) && overlap(peers ?? parseFixed(D.peersNetwork), rooms ?? parseFixed(D.roomsNetwork))) {
    // Blame the variable that was set; the message names the network it collides with.
    throw rooms
      ? new ConfigError('MWSE_ROOMS_NETWORK', `${roomsNetwork} overlaps the peers network ${peersNetwork}`)
      : new ConfigError('MWSE_PEERS_NETWORK', `${peersNetwork} overlaps the rooms network ${roomsNetwork} (MWSE_ROOMS_NETWORK)`);
  }
  return {
    allowedOrigins: read('MWSE_ALLOWED_ORIGINS', [...D.allowedOrigins], (t) => parseList(t, parseOrigin)),
    maxConnectionsPerAddress: read('MWSE_MAX_CONNECTIONS_PER_ADDRESS', D.maxConnectionsPerAddress, count(1)),
    trustProxy: read('MWSE_TRUST_PROXY', D.trustProxy, parseHopCount),
    rateLimit: read('MWSE_RATE_LIMIT', D.rateLimit, count(0)),
    rateBurst: read('MWSE_RATE_BURST', D.rateBurst, count(1)),
    maxInfoKeys: read('MWSE_MAX_INFO_KEYS', D.maxInfoKeys, count(1)),
    maxInfoBytes: read('MWSE_MAX_INFO_BYTES', D.maxInfoBytes, count(1)),
    maxRoomInfoKeys: read('MWSE_MAX_ROOM_INFO_KEYS', D.maxRoomInfoKeys, count(1)),
    maxRoomInfoBytes: read('MWSE_MAX_ROOM_INFO_BYTES', D.maxRoomInfoBytes, count(1)),
    maxPendingRequests: read('MWSE_MAX_PENDING_REQUESTS', D.maxPendingRequests, count(1)),
    maxRoomsPerPeer: read('MWSE_MAX_ROOMS_PER_PEER', D.maxRoomsPerPeer, count(1)),
    notifyDefaultTtl: read('MWSE_NOTIFY_TTL', D.notifyDefaultTtl, (text) => {
      const parsed = parseDuration(text, { min: 1000, max: MAX_NOTIFY_TTL_MS });
      if (parsed.ok && parsed.value % 1000 !== 0) return { ok: false, reason: `"${text}" is not whole seconds` };
      return parsed.ok ? { ok: true, value: parsed.value / 1000 } : parsed;
    }),
    notifyMaxPerIdentity: read('MWSE_NOTIFY_MAX_PER_IDENTITY', D.notifyMaxPerIdentity, count(1)),
    notifyMaxPerSender: read('MWSE_NOTIFY_MAX_PER_SENDER', D.notifyMaxPerSender, count(1)),
    notifyMaxStored: read('MWSE_NOTIFY_MAX_STORED', D.notifyMaxStored, count(1)),
    notifyMaxBytesPerIdentity: read('MWSE_NOTIFY_MAX_BYTES_PER_IDENTITY', D.notifyMaxBytesPerIdentity, count(1)),
    notifyMaxBytesPerSender: read('MWSE_NOTIFY_MAX_BYTES_PER_SENDER', D.notifyMaxBytesPerSender, count(1)),
    notifyMaxBytesStored: read('MWSE_NOTIFY_MAX_BYTES_STORED', D.notifyMaxBytesStored, count(1)),
    maxPasswordChecks: read('MWSE_MAX_PASSWORD_CHECKS', D.maxPasswordChecks, count(1, 1024)),
    maxPasswordChecksPerPeer: read('MWSE_MAX_PASSWORD_CHECKS_PER_PEER', D.maxPasswordChecksPerPeer, count(1, 1024)),
    peersNetwork,
    roomsNetwork,
    adminToken: read<string | undefined>('MWSE_ADMIN_TOKEN', undefined, parseSecret),
    apiBodyLimit: read('MWSE_API_BODY_LIMIT', D.apiBodyLimit, count(2, 64 * 1024 * 1024)),
  };
}

/** More proxies than this in front of one server is a typo, not a deployment. */
const MAX_PROXY_HOPS = 32;

/** A hop count; the words `MWSE_TRUST_PROXY` took when it was an on/off switch still mean 0 and 1. */
function parseHopCount(text: string) {
  const word = parseFlag(text);
  if (word.ok) return { ok: true as const, value: word.value ? 1 : 0 };
  const hops = parseInteger(text, 0, MAX_PROXY_HOPS);
  return hops.ok ? hops : { ok: false as const, reason: `"${text}" is not a number of proxies (0..${MAX_PROXY_HOPS})` };
}

function parseFixed(cidr: string): Ipv4Network {
  const parsed = parseNetwork(cidr, 32);
  if (!parsed.ok) throw new Error(`bad built-in network ${cidr}`);
  return parsed.value;
}

function overlap(a: Ipv4Network, b: Ipv4Network): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}
