import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SignalMessage } from './SignalMessage.js';
import { SignalSession } from './SignalSession.js';

/**
 * Two sessions joined by a link that can drop messages (pair-auth not granted yet, nobody
 * listening) and hold them.
 */
function link() {
  const wires = { a: [] as SignalMessage[], b: [] as SignalMessage[] };
  let dropToA = false;
  let dropToB = false;
  const a: SignalSession = new SignalSession((m) => !dropToB && wires.b.push(m));
  const b: SignalSession = new SignalSession((m) => !dropToA && wires.a.push(m));
  /** Delivers everything in flight (in order) until nothing is left. */
  const pump = (delivered: { a: SignalMessage[]; b: SignalMessage[] } = { a: [], b: [] }) => {
    while (wires.a.length || wires.b.length) {
      for (const [side, session, polite] of [['a', a, true], ['b', b, false]] as const) {
        for (const message of wires[side].splice(0)) {
          if (session.classify(message) !== 'current') continue;
          session.receive(message, polite);
          delivered[side].push(message);
        }
      }
    }
    return delivered;
  };
  return {
    a,
    b,
    pump,
    drop(to: 'a' | 'b', on: boolean) {
      if (to === 'a') dropToA = on;
      else dropToB = on;
    },
  };
}

describe('SignalSession (the handshake)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('holds descriptions until the remote knows this session, then sends them in order', () => {
    const { a, b, pump } = link();
    a.start(true);
    a.send({ kind: 'candidate', candidate: { candidate: 'one' } });
    a.send({ kind: 'candidate', candidate: { candidate: 'two' } });
    expect(a.established).toBe(false);
    b.start(false);
    const delivered = pump();
    expect(a.established && b.established).toBe(true);
    expect(a.remote).toBe(b.id);
    expect(b.remote).toBe(a.id);
    const candidates = delivered.b.filter((m) => m.kind === 'candidate');
    expect(candidates.map((m) => m.kind === 'candidate' && m.candidate.candidate)).toEqual(['one', 'two']);
    // Everything after the first hello is addressed.
    expect(candidates.every((m) => m.to === b.id && m.from === a.id)).toBe(true);
  });

  it('completes when the first hellos were dropped, by repeating hello with backoff', () => {
    const { a, b, pump, drop } = link();
    drop('b', true); // b does not trust a yet
    drop('a', true);
    a.start(true);
    b.start(false);
    pump();
    expect(a.established || b.established).toBe(false);
    drop('a', false);
    drop('b', false);
    vi.advanceTimersByTime(500);
    pump();
    expect(a.established && b.established).toBe(true);
  });

  it('completes when only one side connected at first and the other connects later', () => {
    const { a, b, pump, drop } = link();
    // b is not listening yet: a's hello is lost.
    drop('b', true);
    a.start(true);
    a.send({ kind: 'candidate', candidate: { candidate: 'early' } });
    expect(pump().b).toHaveLength(0);
    drop('b', false);
    b.start(false);
    const delivered = pump();
    expect(a.established && b.established).toBe(true);
    expect(delivered.b.some((m) => m.kind === 'candidate')).toBe(true);
  });

  it('stops repeating hello once established, and after close', () => {
    const posted: SignalMessage[] = [];
    const session = new SignalSession((m) => posted.push(m));
    session.start(true);
    vi.advanceTimersByTime(500 + 1000 + 2000 + 4000 + 4000);
    const hellos = posted.length;
    expect(hellos).toBe(6);
    session.close();
    vi.advanceTimersByTime(20_000);
    expect(posted).toHaveLength(hellos);
    session.send({ kind: 'candidate', candidate: { candidate: 'x' } });
    session.bye();
    expect(posted).toHaveLength(hellos);
  });

  it('gives up repeating after 40 hellos (the peer is gone), yet still answers a late hello', () => {
    const posted: SignalMessage[] = [];
    const session = new SignalSession((m) => posted.push(m));
    session.start(true);
    vi.advanceTimersByTime(10 * 60_000);
    expect(posted).toHaveLength(40);
    session.receive({ rtc: 1, kind: 'hello', polite: false, from: 'late' }, true);
    expect(posted.at(-1)).toMatchObject({ kind: 'hello', to: 'late' });
    session.close();
  });

  it('tells stale messages and a restarted remote apart', () => {
    const { a, b, pump } = link();
    a.start(true);
    b.start(false);
    pump();
    const fromB = (extra: Partial<SignalMessage>) => ({ rtc: 1, kind: 'bye', from: b.id, to: a.id, ...extra }) as SignalMessage;
    expect(a.classify(fromB({}))).toBe('current');
    expect(a.classify(fromB({ to: 'an-old-session-of-a' }))).toBe('stale');
    expect(a.classify(fromB({ from: 'a-new-session-of-b', to: undefined }))).toBe('restarted');
  });

  it('sends bye at once, even before the handshake', () => {
    const posted: SignalMessage[] = [];
    const session = new SignalSession((m) => posted.push(m));
    session.start(false);
    session.bye();
    expect(posted.map((m) => m.kind)).toEqual(['hello', 'bye']);
  });
});
