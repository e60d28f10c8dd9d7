import { randomUUID } from 'node:crypto';
import { MediaError, type MediaBackend, type MediaSession, type PublishRequest, type WatchRequest } from '../MediaBackend.js';

export interface StubBackendOptions {
  /** Milliseconds each call takes (default 0). */
  latency?: number;
}

/**
 * A media backend that moves no media: it accepts every offer and answers an SDP that says so.
 * For signalling tests and benchmarks at audience sizes no media server on one box carries
 * (`MWSE_MEDIA=stub`); a browser cannot play what it answers.
 */
export class StubBackend implements MediaBackend {
  readonly kind = 'stub';
  private readonly sessions = new Set<string>();
  private readonly listeners: ((session: string) => void)[] = [];

  constructor(private readonly options: StubBackendOptions = {}) {}

  /** Sessions open now (tests read it to check that everything was freed). */
  get size(): number {
    return this.sessions.size;
  }

  publish(request: PublishRequest): Promise<MediaSession> {
    return this.open(request.signal);
  }

  watch(request: WatchRequest): Promise<MediaSession> {
    if (!this.sessions.has(request.publish)) return Promise.reject(new MediaError('not-live', 'the stub has no such publish'));
    return this.open(request.signal);
  }

  async stop(session: string): Promise<void> {
    this.sessions.delete(session);
  }

  async health(): Promise<void> {}

  onHangup(listener: (session: string) => void): void {
    this.listeners.push(listener);
  }

  /** Drop a session as a media server would on its own (tests). */
  hangUp(session: string): void {
    if (this.sessions.delete(session)) for (const listener of this.listeners) listener(session);
  }

  async close(): Promise<void> {
    this.sessions.clear();
  }

  private async open(signal: AbortSignal): Promise<MediaSession> {
    if (this.options.latency) await new Promise((resolve) => setTimeout(resolve, this.options.latency));
    if (signal.aborted) throw new MediaError('media-unavailable', 'the deadline passed');
    const id = randomUUID();
    this.sessions.add(id);
    return { id, answer: 'v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=mwse-stub\r\nt=0 0\r\n' };
  }
}
