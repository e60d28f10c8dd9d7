import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServerFrame } from '@mwse/protocol';
import type { Peer } from '../Peer.js';
import { ACK_BYTES, ACK_DELAY, ACK_EVERY, Sessions } from './Sessions.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A session keeper whose host records the acks it sends, and a peer with a fresh session. */
function keeper() {
  const acks: { peer: string; seq: number }[] = [];
  const sessions = new Sessions(
    {
      peer: () => undefined,
      attach: () => {},
      sendControl: (peer: Peer, frame: ServerFrame) => {
        if (frame.type === 'session/ack') acks.push({ peer: peer.id, seq: frame.seq });
      },
      disconnect: () => {},
    },
    120_000,
    { frames: 1024, bytes: 8 * 1024 * 1024 },
  );
  const peer = (id: string) => ({ id, closed: false, session: sessions.mint().session }) as unknown as Peer;
  /** The hub handled `n` counted frames of `size` from `p`. */
  const apply = (p: Peer, n: number, size = 10) => {
    for (let i = 0; i < n; i++) {
      p.session!.applied += 1;
      sessions.applied(p, p.session!, size);
    }
  };
  return { sessions, acks, peer, apply };
}

describe('server session acks', () => {
  it('share the SDK counts, well inside what the SDK keeps to resend (1024 frames, 8 MiB), and wait longer', () => {
    expect([ACK_EVERY, ACK_BYTES, ACK_DELAY]).toEqual([256, 1024 * 1024, 250]);
    expect(ACK_EVERY * 2).toBeLessThanOrEqual(1024);
    expect(ACK_BYTES * 4).toBeLessThanOrEqual(8 * 1024 * 1024);
  });

  it(`go out every ${ACK_EVERY} applied frames, not one sooner`, () => {
    const { acks, peer, apply } = keeper();
    const a = peer('a');
    apply(a, ACK_EVERY - 1);
    expect(acks).toEqual([]);
    apply(a, 1);
    expect(acks).toEqual([{ peer: 'a', seq: ACK_EVERY }]);
    apply(a, ACK_EVERY * 2);
    expect(acks.map((x) => x.seq)).toEqual([ACK_EVERY, ACK_EVERY * 2, ACK_EVERY * 3]);
  });

  it(`go out ${ACK_DELAY} ms after the first frame not yet acked, for every peer waiting, once`, async () => {
    const { acks, peer, apply } = keeper();
    const [a, b] = [peer('a'), peer('b')];
    apply(a, 3);
    await vi.advanceTimersByTimeAsync(ACK_DELAY / 2);
    apply(b, 2);
    apply(a, 2);
    await vi.advanceTimersByTimeAsync(ACK_DELAY / 2 - 1);
    expect(acks).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(acks).toEqual([
      { peer: 'a', seq: 5 },
      { peer: 'b', seq: 2 },
    ]);
    await vi.advanceTimersByTimeAsync(ACK_DELAY * 5);
    expect(acks).toHaveLength(2);
    // After a timed ack the next frame waits again, and is acked by the timer too.
    apply(a, 1);
    await vi.advanceTimersByTimeAsync(ACK_DELAY);
    expect(acks.at(-1)).toEqual({ peer: 'a', seq: 6 });
  });

  it('a peer acked by count is not acked again by the timer, and one acked later still is', async () => {
    const { acks, peer, apply } = keeper();
    const a = peer('a');
    apply(a, 10);
    apply(a, ACK_EVERY - 10);
    expect(acks).toEqual([{ peer: 'a', seq: ACK_EVERY }]);
    await vi.advanceTimersByTimeAsync(ACK_DELAY);
    expect(acks).toHaveLength(1);
    apply(a, 7);
    await vi.advanceTimersByTimeAsync(ACK_DELAY);
    expect(acks.at(-1)).toEqual({ peer: 'a', seq: ACK_EVERY + 7 });
  });

  it(`go out once ${ACK_BYTES} bytes were applied, however few frames that is`, () => {
    const { acks, peer, apply } = keeper();
    const a = peer('a');
    apply(a, 3, ACK_BYTES / 4);
    expect(acks).toEqual([]);
    apply(a, 1, ACK_BYTES / 4);
    expect(acks).toEqual([{ peer: 'a', seq: 4 }]);
    // Counted again from each ack.
    apply(a, 3, ACK_BYTES / 4);
    expect(acks).toHaveLength(1);
    apply(a, 1, ACK_BYTES / 4);
    expect(acks.at(-1)).toEqual({ peer: 'a', seq: 8 });
  });

  it('in a cluster with takeover, tell only what Redis confirmed, at the same cadence', async () => {
    const { sessions, acks, peer, apply } = keeper();
    sessions.confirming = true;
    const a = peer('a');
    apply(a, ACK_EVERY + 5);
    await vi.advanceTimersByTimeAsync(ACK_DELAY * 2);
    expect(acks).toEqual([]);
    // Confirmed a part: acked once the delay is over, that part only.
    sessions.confirm(a, 3);
    expect(acks).toEqual([]);
    await vi.advanceTimersByTimeAsync(ACK_DELAY);
    expect(acks).toEqual([{ peer: 'a', seq: 3 }]);
    // Past the count's bound: acked at once. An older confirmation is no step back.
    sessions.confirm(a, ACK_EVERY + 5);
    sessions.confirm(a, 10);
    expect(acks.map((x) => x.seq)).toEqual([3, ACK_EVERY + 5]);
    await vi.advanceTimersByTimeAsync(ACK_DELAY * 2);
    expect(acks).toHaveLength(2);
  });
});
