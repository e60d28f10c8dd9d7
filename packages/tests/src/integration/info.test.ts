import { describe, expect, it } from 'vitest';
import { SETUPS, once, settle, useServer } from './harness.js';

describe.each(SETUPS)('peer info over %s with %s frames', (transport, codec) => {
  const { client } = useServer(transport, { maxInfoKeys: 4, maxInfoBytes: 256 }, codec);

  it('sets and gets my own info, one key or all', async () => {
    const a = await client();
    const myself = a.peer('me');
    await myself.info.set('name', 'John');
    await myself.info.set('surname', 'Smith');
    expect(await myself.info.get('name')).toBe('John');
    expect(await myself.info.get()).toEqual({ name: 'John', surname: 'Smith' });
  });

  it("reads another peer's info", async () => {
    const a = await client();
    const b = await client();
    await b.me.info.set('name', 'John');
    await b.me.info.set('surname', 'Smith');
    const other = a.peer(b.me.socketId);
    expect(await other.info.get('name')).toBe('John');
    expect(await other.info.get()).toEqual({ name: 'John', surname: 'Smith' });
  });

  it("peer.info.set on another peer writes MY info (the seed's rule)", async () => {
    const a = await client();
    const b = await client();
    await a.peer(b.me.socketId).info.set('value', 0);
    expect(await a.me.info.get('value')).toBe(0);
    expect(await b.me.info.get('value')).toBeUndefined();
  });

  it('removes a key set to null', async () => {
    const a = await client();
    await a.me.info.set('k', 'v');
    await a.me.info.set('k', null);
    expect(await a.me.info.get()).toEqual({});
  });

  it('pushes info changes to pairs, not to others', async () => {
    const a = await client();
    const b = await client();
    const c = await client();
    await b.peer(a.me.socketId).acceptPair(); // a and b are pairs now
    const pushed = once<[string, unknown]>(b.peer(a.me.socketId), 'info');
    const atC: unknown[] = [];
    c.peer(a.me.socketId).on('info', (k: string, v: unknown) => atC.push([k, v]));
    await a.me.info.set('name', 'Ayşe');
    expect(await pushed).toEqual(['name', 'Ayşe']);
    await settle();
    expect(atC).toEqual([]);
  });

  it('pushes nothing when pairinfo is off', async () => {
    const a = await client();
    const b = await client();
    await b.peer(a.me.socketId).acceptPair();
    await a.setSession({ pairinfo: false });
    const got: unknown[] = [];
    b.peer(a.me.socketId).on('info', (k: string) => got.push(k));
    await a.me.info.set('quiet', true);
    await settle();
    expect(got).toEqual([]);
  });

  it('readable=false hides my info from others but not from me', async () => {
    const a = await client();
    const b = await client();
    await b.me.info.set('secret', 42);
    await b.setSession({ readable: false });
    await expect(a.peer(b.me.socketId).info.get()).rejects.toMatchObject({ code: 'forbidden' });
    expect(await b.me.info.get('secret')).toBe(42);
  });

  it('refuses info over the key and size limits with too-large, keeping what was there', async () => {
    const a = await client();
    for (const k of ['a', 'b', 'c', 'd']) await a.me.info.set(k, 1);
    await expect(a.me.info.set('e', 1)).rejects.toMatchObject({ code: 'too-large' });
    await a.me.info.set('a', 2); // replacing a key is fine at the key limit
    await expect(a.me.info.set('b', 'x'.repeat(300))).rejects.toMatchObject({ code: 'too-large' });
    expect(await a.me.info.get()).toEqual({ a: 2, b: 1, c: 1, d: 1 });
  });
});
