import { randomInt } from 'node:crypto';
import type { VirtualAddress } from '@mwse/protocol';
import type { Peer } from '../Peer.js';
import type { Room } from '../services/Room.js';
import { formatIpv4, parseCidr, type Ipv4Range } from './cidr.js';
import { IndexPool } from './IndexPool.js';
import { SHORT_CODE_ALPHABET, SHORT_CODE_LENGTH, normaliseShortCode, randomShortCode } from './shortCode.js';

/** Numbers are 7 digits, never starting with 0. */
const NUMBER_MIN = 1_000_000;
const NUMBER_SPAN = 9_000_000;

/** A room's /24: its network and the host addresses given to its members. */
export interface RoomSubnet {
  cidr: string;
  index: number;
  base: number;
  hosts: IndexPool;
  members: Map<Peer, { ip: string; host: number }>;
}

interface PeerAddress {
  address: VirtualAddress;
  /** Its index in the peers range; -1 when the range's pool is not this book's (cluster mode). */
  host: number;
}

/** What an address text names, for a lookup outside this book (cluster mode). */
export type AddressKey =
  | { kind: 'host'; host: number }
  | { kind: 'subnet'; subnet: number }
  | { kind: 'number'; number: string }
  | { kind: 'code'; code: string };

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const NUMBER = /^[1-9]\d{6}$/;

/**
 * Virtual addresses (SPEC §4): a peer's IPv4 in the peers range, a number and a short code, and
 * /24 subnets for rooms from the rooms range. Everything is unique while held and released on
 * leave or disconnect.
 */
export class AddressBook {
  private readonly peerRange: Ipv4Range;
  private readonly roomRange: Ipv4Range;
  private readonly hosts: IndexPool;
  private readonly subnets: IndexPool;
  private readonly byPeer = new Map<Peer, PeerAddress>();
  private readonly byText = new Map<string, Peer>();
  readonly roomSubnets = new Map<Room, RoomSubnet>();

  constructor(peersCidr: string, roomsCidr: string) {
    this.peerRange = parseCidr(peersCidr);
    this.roomRange = parseCidr(roomsCidr);
    if (this.roomRange.size < 256) throw new Error(`room range ${roomsCidr} holds no /24`);
    // One address text maps to one peer: a room address equal to a peer address would shadow it.
    const { peerRange: p, roomRange: r } = this;
    if (p.base < r.base + r.size && r.base < p.base + p.size) {
      throw new Error(`room range ${roomsCidr} overlaps peer range ${peersCidr}`);
    }
    // The network and broadcast addresses of the range are never handed out.
    this.hosts = new IndexPool(this.peerRange.size - 2);
    this.subnets = new IndexPool(this.roomRange.size / 256);
  }

  /** The peer's addresses, allocating them on first claim; undefined when exhausted. */
  claim(peer: Peer): VirtualAddress | undefined {
    const held = this.byPeer.get(peer);
    if (held) return held.address;
    const host = this.hosts.take();
    if (host === undefined) return undefined;
    const address: VirtualAddress = {
      ip: formatIpv4(this.peerRange.base + 1 + host),
      number: this.unique(() => String(NUMBER_MIN + randomInt(NUMBER_SPAN))),
      code: this.unique(randomShortCode),
    };
    this.byPeer.set(peer, { address, host });
    for (const text of Object.values(address)) this.byText.set(text, peer);
    return address;
  }

  addressOf(peer: Peer): VirtualAddress | undefined {
    return this.byPeer.get(peer)?.address;
  }

  release(peer: Peer): void {
    const held = this.byPeer.get(peer);
    if (!held) return;
    this.byPeer.delete(peer);
    if (held.host >= 0) this.hosts.release(held.host);
    for (const text of Object.values(held.address)) this.byText.delete(text);
  }

  /** The peer holding an IP (its own or a room one), number or short code. */
  resolve(text: string): Peer | undefined {
    return this.byText.get(text.trim()) ?? this.byText.get(normaliseShortCode(text));
  }

  /** Give `room` a /24 and address its members; undefined when no subnet is free. */
  claimSubnet(room: Room): RoomSubnet | undefined {
    const held = this.roomSubnets.get(room);
    if (held) return held;
    const index = this.subnets.take();
    if (index === undefined) return undefined;
    return this.subnetAt(room, index);
  }

  // --- cluster mode: the ranges are shared by every node, their pools kept in Redis ----------

  /** Host addresses in the peers range, and /24s in the rooms range. */
  get hostCount(): number {
    return this.hosts.size;
  }

  get subnetCount(): number {
    return this.subnets.size;
  }

  /** A fresh number and short code, drawn at random (the caller checks they are free). */
  draw(): { number: string; code: string } {
    return { number: String(NUMBER_MIN + randomInt(NUMBER_SPAN)), code: randomShortCode() };
  }

  /** Hold `host`, `number` and `code` for `peer`, claimed elsewhere. */
  adopt(peer: Peer, host: number, number: string, code: string): VirtualAddress {
    const address: VirtualAddress = { ip: formatIpv4(this.peerRange.base + 1 + host), number, code };
    this.byPeer.set(peer, { address, host: -1 });
    for (const text of Object.values(address)) this.byText.set(text, peer);
    return address;
  }

  /** Give `room` the /24 of `index`, claimed elsewhere. */
  adoptSubnet(room: Room, index: number): RoomSubnet {
    return this.roomSubnets.get(room) ?? this.subnetAt(room, index);
  }

  /** What `text` would name, for a lookup outside this book; undefined when it names nothing. */
  keyOf(text: string): AddressKey | undefined {
    const trimmed = text.trim();
    const ip = IPV4.exec(trimmed);
    if (ip) {
      const octets = ip.slice(1, 5).map(Number);
      if (octets.some((o) => o > 255) || ip.slice(1, 5).some((o) => o.length > 1 && o.startsWith('0'))) return undefined;
      const n = ((octets[0]! << 24) >>> 0) + (octets[1]! << 16) + (octets[2]! << 8) + octets[3]!;
      const { peerRange: p, roomRange: r } = this;
      if (n > p.base && n < p.base + p.size - 1) return { kind: 'host', host: n - p.base - 1 };
      if (n >= r.base && n < r.base + r.size) return { kind: 'subnet', subnet: Math.floor((n - r.base) / 256) };
      return undefined;
    }
    if (NUMBER.test(trimmed)) return { kind: 'number', number: trimmed };
    const code = normaliseShortCode(text);
    if (code.length === SHORT_CODE_LENGTH && [...code].every((c) => SHORT_CODE_ALPHABET.includes(c))) return { kind: 'code', code };
    return undefined;
  }

  private subnetAt(room: Room, index: number): RoomSubnet {
    const base = this.roomRange.base + index * 256;
    const subnet: RoomSubnet = {
      cidr: `${formatIpv4(base)}/24`,
      index,
      base,
      hosts: new IndexPool(254),
      members: new Map(),
    };
    this.roomSubnets.set(room, subnet);
    for (const member of room.members) this.joinSubnet(room, member);
    return subnet;
  }

  /** Address a new member of a room that has a subnet; undefined if it has none or it is full. */
  joinSubnet(room: Room, peer: Peer): string | undefined {
    const subnet = this.roomSubnets.get(room);
    if (!subnet) return undefined;
    const existing = subnet.members.get(peer);
    if (existing) return existing.ip;
    const host = subnet.hosts.take();
    if (host === undefined) return undefined;
    const ip = formatIpv4(subnet.base + 1 + host);
    subnet.members.set(peer, { ip, host });
    this.byText.set(ip, peer);
    return ip;
  }

  /**
   * Cluster re-home: address a member of a room whose /24 was adopted at the host it held on the
   * room's old home; undefined when that host is taken here.
   */
  joinSubnetAt(room: Room, peer: Peer, host: number): string | undefined {
    const subnet = this.roomSubnets.get(room);
    if (!subnet || subnet.members.has(peer) || host < 0 || host >= subnet.hosts.size || !subnet.hosts.hold(host)) return undefined;
    const ip = formatIpv4(subnet.base + 1 + host);
    subnet.members.set(peer, { ip, host });
    this.byText.set(ip, peer);
    return ip;
  }

  leaveSubnet(room: Room, peer: Peer): void {
    const subnet = this.roomSubnets.get(room);
    const held = subnet?.members.get(peer);
    if (!subnet || !held) return;
    subnet.members.delete(peer);
    subnet.hosts.release(held.host);
    this.byText.delete(held.ip);
  }

  /** The room is gone: free its /24. */
  releaseSubnet(room: Room): void {
    const subnet = this.roomSubnets.get(room);
    if (!subnet) return;
    for (const peer of [...subnet.members.keys()]) this.leaveSubnet(room, peer);
    this.roomSubnets.delete(room);
    this.subnets.release(subnet.index);
  }

  private unique(make: () => string): string {
    for (;;) {
      const text = make();
      if (!this.byText.has(text)) return text;
    }
  }
}
