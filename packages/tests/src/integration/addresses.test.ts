import { describe, expect, it } from 'vitest';
import type MWSE from '@mwse/client';
import type { VirtualAddress } from '@mwse/client';
import { TRANSPORTS, eventually, once, useServer } from './harness.js';

/** 10.9.0.0/28: 16 addresses, 14 of them hosts (network and broadcast are never handed out). */
const PEERS = '10.9.0.0/28';
const HOSTS = 14;
/** 10.10.0.0/23: room for two /24s. */
const ROOMS = '10.10.0.0/23';

const ipToNumber = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const inRange = (ip: string, base: string, size: number) => {
  const n = ipToNumber(ip);
  return n > ipToNumber(base) && n < ipToNumber(base) + size - 1;
};

describe.each(TRANSPORTS)('virtual addresses over %s', (transport) => {
  const { state, client } = useServer(transport, { peersNetwork: PEERS, roomsNetwork: ROOMS });
  let n = 0;
  const unique = (base: string) => `${base}-${transport}-${++n}`;

  it('gives a peer an IPv4 in the peers network, a number and a short code, the same on a second claim', async () => {
    const a = await client();
    const address = await a.claimAddress();
    expect(inRange(address.ip, '10.9.0.0', 16)).toBe(true);
    expect(address.number).toMatch(/^[1-9]\d{6}$/);
    expect(address.code).toMatch(/^[ACDEFGHJKMNPQRTUVWXY34679]{6}$/);
    expect(await a.claimAddress()).toEqual(address);
  });

  it('resolves each form (the code in any case) to the same Peer object', async () => {
    const a = await client();
    const b = await client();
    const address = await b.claimAddress();
    const peer = a.peer(b.me.socketId);
    for (const text of [address.ip, address.number, address.code, address.code.toLowerCase(), ` ${address.code} `]) {
      expect(await a.resolveAddress(text)).toBe(peer);
    }
    await expect(a.resolveAddress('10.9.0.15')).rejects.toMatchObject({ code: 'not-found' });
    await expect(a.resolveAddress('x'.repeat(100))).rejects.toMatchObject({ code: 'bad-frame' });
  });

  it('releases on request and on disconnect', async () => {
    const a = await client();
    const b = await client();
    const c = await client();
    const released = await b.claimAddress();
    await b.releaseAddress();
    await expect(a.resolveAddress(released.code)).rejects.toMatchObject({ code: 'not-found' });
    const dropped = await c.claimAddress();
    c.close();
    await eventually(() => state.engine.hub.addresses.resolve(dropped.ip) === undefined, 2000, 'release on disconnect');
    for (const text of Object.values(dropped)) {
      await expect(a.resolveAddress(text)).rejects.toMatchObject({ code: 'not-found' });
    }
  });

  it('hands out unique addresses to concurrent claims until the network is exhausted, then frees them on release', async () => {
    const clients = await Promise.all(Array.from({ length: HOSTS + 1 }, () => client()));
    const results = await Promise.allSettled(clients.map((c) => c.claimAddress()));
    const taken = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as { code: string }] : []));
    expect(taken).toHaveLength(HOSTS);
    expect(refused).toMatchObject([{ code: 'exhausted' }]);
    for (const key of ['ip', 'number', 'code'] as const) {
      expect(new Set(taken.map((t: VirtualAddress) => t[key])).size).toBe(HOSTS);
    }
    expect(taken.every((t) => inRange(t.ip, '10.9.0.0', 16))).toBe(true);
    const holder = clients[results.findIndex((r) => r.status === 'fulfilled')]!;
    const waiting = clients[results.findIndex((r) => r.status === 'rejected')]!;
    await holder.releaseAddress();
    await expect(waiting.claimAddress()).resolves.toMatchObject({ ip: expect.any(String) });
  });

  describe('room subnets', () => {
    /** A room owned by `owner` with `members` in it. */
    async function roomWith(owner: MWSE, members: MWSE[]) {
      const name = unique('lan');
      const room = owner.room({ name });
      await room.createRoom();
      for (const m of members) await m.room({ name }).join();
      return { name, room };
    }

    it('gives the room a /24 and every member an address in it, told to every member', async () => {
      const owner = await client();
      const member = await client();
      const { name, room } = await roomWith(owner, [member]);
      const told = once<[string, Record<string, string>]>(member.room(name), 'subnet');
      const described = await room.claimSubnet();
      expect(described.subnet).toMatch(/^10\.10\.[01]\.0\/24$/);
      const base = described.subnet!.replace('/24', '');
      const addresses = described.addresses!;
      expect(Object.keys(addresses).sort()).toEqual([owner.me.socketId, member.me.socketId].sort());
      expect(Object.values(addresses).every((ip) => inRange(ip, base, 256))).toBe(true);
      expect(new Set(Object.values(addresses)).size).toBe(2);
      expect(await told).toEqual([described.subnet, addresses]);
      expect(member.room(name).description?.addresses).toEqual(addresses);
      expect(await member.resolveAddress(addresses[owner.me.socketId]!)).toBe(member.peer(owner.me.socketId));
    });

    it('addresses a member who joins later, in the join event and its description', async () => {
      const owner = await client();
      const { name, room } = await roomWith(owner, []);
      const { subnet } = await room.claimSubnet();
      const late = await client();
      const joined = once<[unknown, string]>(room, 'join');
      const description = await late.room({ name }).join();
      const [, address] = await joined;
      expect(inRange(address, subnet!.replace('/24', ''), 256)).toBe(true);
      expect(description.addresses?.[late.me.socketId]).toBe(address);
      expect(await owner.resolveAddress(address)).toBe(owner.peer(late.me.socketId));
    });

    it('releases a member address on leave and the /24 when the room is gone', async () => {
      const owner = await client();
      const member = await client();
      const { name, room } = await roomWith(owner, [member]);
      const { addresses } = await room.claimSubnet();
      const memberIp = addresses![member.me.socketId]!;
      await member.room(name).leave();
      await expect(owner.resolveAddress(memberIp)).rejects.toMatchObject({ code: 'not-found' });
      // Two /24s in the rooms network: one is held here; a second room takes the other,
      // a third is refused, and it succeeds once the first room is gone.
      const other = await client();
      const second = await roomWith(other, []);
      await second.room.claimSubnet();
      const third = await roomWith(member, []);
      await expect(third.room.claimSubnet()).rejects.toMatchObject({ code: 'exhausted' });
      await room.leave();
      await expect(third.room.claimSubnet()).resolves.toMatchObject({ subnet: expect.stringMatching(/\/24$/) });
    });

    it('lets only the owner claim a subnet', async () => {
      const owner = await client();
      const member = await client();
      const { name } = await roomWith(owner, [member]);
      await expect(member.room(name).claimSubnet()).rejects.toMatchObject({ code: 'forbidden' });
    });
  });
});
