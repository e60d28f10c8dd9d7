/**
 * The tokens MWSE mints for SRS sessions. Each is random (128 bits), bound to one app/stream and
 * one action, usable once for its `on_publish`/`on_play` hook and only within its time to live;
 * after that it only identifies its session for `on_unpublish`/`on_stop` until the session ends.
 */
import { randomBytes } from 'node:crypto';

export type SrsAction = 'publish' | 'watch';

export interface SrsToken {
  value: string;
  action: SrsAction;
  app: string;
  stream: string;
  room: string;
  name: string;
  peer: string;
  expiresAt: number;
  /** Its on_publish/on_play was allowed. */
  used: boolean;
  /** One of our hooks refused something presented with it (tells a refusal from an outage). */
  refused: boolean;
  /** The MediaSession it opened, once the WHIP/WHEP POST returned. */
  session?: string;
  /** SRS said the session ended before the POST returned. */
  ended: boolean;
  /** An HTTP-FLV play URL's token: any number of plays while its session lives. */
  reusable: boolean;
  /** Tokens that live and die with this one (its HTTP-FLV URL's). */
  companions: SrsToken[];
}

export class SrsTokens {
  /** Unused tokens in mint order, which is expiry order (one time to live for all). */
  private readonly pending = new Map<string, SrsToken>();
  private readonly active = new Map<string, SrsToken>();
  private readonly bySession = new Map<string, SrsToken>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  mint(binding: Pick<SrsToken, 'action' | 'app' | 'stream' | 'room' | 'name' | 'peer'>): SrsToken {
    this.sweep();
    const token: SrsToken = {
      ...binding,
      value: randomBytes(16).toString('base64url'),
      expiresAt: this.now() + this.ttlMs,
      used: false,
      refused: false,
      ended: false,
      reusable: false,
      companions: [],
    };
    this.pending.set(token.value, token);
    return token;
  }

  /** A play token for `owner`'s HTTP-FLV URL: reusable, no time to live, forgotten with `owner`. */
  companion(owner: SrsToken): SrsToken {
    const token: SrsToken = {
      ...owner,
      action: 'watch',
      value: randomBytes(16).toString('base64url'),
      expiresAt: Number.POSITIVE_INFINITY,
      used: false,
      refused: false,
      ended: false,
      reusable: true,
      companions: [],
    };
    delete token.session;
    owner.companions.push(token);
    this.active.set(token.value, token);
    return token;
  }

  /** A token by value: pending (possibly expired, see {@link expired}) or used. */
  find(value: string): SrsToken | undefined {
    return this.pending.get(value) ?? this.active.get(value);
  }

  /** Unused and past its time to live: its first hook comes too late. */
  expired(token: SrsToken): boolean {
    return !token.used && token.expiresAt <= this.now();
  }

  /** The first hook for the token was allowed: it now names a session, and cannot be reused. */
  use(token: SrsToken): void {
    this.pending.delete(token.value);
    token.used = true;
    this.active.set(token.value, token);
  }

  bind(token: SrsToken, session: string): void {
    token.session = session;
    this.bySession.set(session, token);
  }

  forget(token: SrsToken): void {
    this.pending.delete(token.value);
    this.active.delete(token.value);
    if (token.session) this.bySession.delete(token.session);
    for (const companion of token.companions) this.forget(companion);
  }

  forSession(session: string): SrsToken | undefined {
    return this.bySession.get(session);
  }

  get size(): number {
    return this.pending.size + this.active.size;
  }

  /** Drops expired unused tokens from the front (mint order = expiry order): O(expired). */
  private sweep(): void {
    const now = this.now();
    for (const [value, token] of this.pending) {
      if (token.expiresAt > now) break;
      this.pending.delete(value);
    }
  }
}
