import { describe, expect, it } from 'vitest';
import type { Peer } from '../Peer.js';
import type { ClusterRedis } from './RedisLink.js';
import { APPLIED_EVERY, SessionMirror, type SessionRecord } from './SessionMirror.js';

// What the mirror sends to Redis, and when: the script's arguments of every call, recorded.
const quiet = { error() {}, warn() {}, info() {}, debug() {} };
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function mirror() {
  const calls: string[][] = [];
  const redis = {
    eval: (_script: string, _keys: number, _key: string, ...args: string[]) => {
      calls.push(args.slice(2));
      return Promise.resolve([]);
    },
  } as unknown as ClusterRedis;
  const record = { tok: 'x' } as unknown as SessionRecord;
  return { calls, mirror: new SessionMirror(redis, 'n1', 'p:', quiet, () => record) };
}

function peer(id: string): Peer & { session: { applied: number } } {
  return { id, remote: undefined, closed: false, session: { applied: 0 } } as unknown as Peer & { session: { applied: number } };
}

describe('SessionMirror', () => {
  it('writes applied counts from a timer, not once per turn', async () => {
    const { calls, mirror: m } = mirror();
    const a = peer('a');
    // Twenty turns, each applying one client frame.
    for (let k = 0; k < 20; k++) {
      a.session.applied += 1;
      m.mark(a, false);
      await nextTurn();
    }
    // A turn is far shorter than the interval: nothing written per turn.
    expect(calls.length).toBeLessThan(3);
    await sleep(APPLIED_EVERY * 3);
    expect(m.pending).toBe(0);
    // The latest count is written, once per interval at most.
    expect(calls.at(-1)).toEqual(['a', 'a', '20']);
  });

  it('writes a changed record at the turn’s end, with its count', async () => {
    const { calls, mirror: m } = mirror();
    const a = peer('a');
    const b = peer('b');
    b.session.applied = 3;
    m.mark(b, false);
    a.session.applied = 7;
    m.mark(a, true);
    await nextTurn();
    // One call: a's record and count, and b's pending count with it.
    expect(calls).toEqual([['w', 'a', '{"tok":"x"}', 'a', 'b', '3', 'a', 'a', '7']]);
    expect(m.pending).toBe(0);
    await sleep(APPLIED_EVERY * 2);
    expect(calls.length).toBe(1);
  });

  it('drops the pending count of a session that ended or moved', async () => {
    const { calls, mirror: m } = mirror();
    const a = peer('a');
    const b = peer('b');
    m.mark(a, false);
    m.mark(b, false);
    m.end(a);
    m.untrack(b);
    await nextTurn();
    expect(calls).toEqual([['x', 'a', '']]);
    await sleep(APPLIED_EVERY * 2);
    expect(calls.length).toBe(1);
  });
});
