import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IceWatchdog } from './IceWatchdog.js';

class FakeConnection extends EventTarget {
  connectionState: RTCPeerConnectionState = 'new';
  set(state: RTCPeerConnectionState): void {
    this.connectionState = state;
    this.dispatchEvent(new Event('connectionstatechange'));
  }
}

describe('IceWatchdog', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function watch(options: { disconnectedTimeout?: number; minInterval?: number } = {}) {
    const pc = new FakeConnection();
    const restarts: string[] = [];
    const watchdog = new IceWatchdog(pc, { ...options, restart: (reason) => restarts.push(reason) });
    return { pc, restarts, watchdog };
  }

  it('restarts ICE at once when the connection fails', () => {
    const { pc, restarts } = watch();
    pc.set('connected');
    pc.set('failed');
    expect(restarts).toEqual(['failed']);
  });

  it('restarts when disconnected lasts past the grace period, not when it recovers within it', () => {
    const { pc, restarts } = watch({ disconnectedTimeout: 3000 });
    pc.set('connected');
    pc.set('disconnected');
    vi.advanceTimersByTime(2000);
    pc.set('connected');
    vi.advanceTimersByTime(5000);
    expect(restarts).toEqual([]);
    pc.set('disconnected');
    vi.advanceTimersByTime(3000);
    expect(restarts).toEqual(['disconnected']);
  });

  it('spaces restarts of a connection that keeps failing', () => {
    const { pc, restarts } = watch({ minInterval: 2000 });
    pc.set('failed');
    pc.set('connecting');
    pc.set('failed');
    expect(restarts).toEqual(['failed']);
    vi.advanceTimersByTime(2000);
    expect(restarts).toEqual(['failed', 'failed']);
  });

  it('stops watching on close', () => {
    const { pc, restarts, watchdog } = watch();
    pc.set('disconnected');
    watchdog.close();
    vi.advanceTimersByTime(60_000);
    pc.set('failed');
    expect(restarts).toEqual([]);
  });
});
