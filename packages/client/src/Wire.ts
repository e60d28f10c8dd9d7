import type { ClientFrameInput } from '@mwse/protocol';
import type { Peer } from './Peer.js';

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

/** Client frames answered by `result`/`error` (or, for `request/to`, by the peer's `response`). */
export type CallFrame = WithoutId<Exclude<Extract<ClientFrameInput, { id: number }>, PostFrame>>;

/** Client frames that get no answer on success. */
export type PostFrame = Extract<
  ClientFrameInput,
  { type: 'pack/to' | 'signal/to' | 'pack/room' | 'response/to' | 'request/cancel' | 'notify/ack' }
>;

/** Per-call options. */
export interface CallOptions {
  /** Milliseconds before the call fails with `timeout` (default: the client's `requestTimeout`). */
  timeout?: number;
  /** The peer a `request/to` goes to: its disconnect fails the call with `peer-disconnected`. */
  to?: string;
}

/** Pairing events, fired on the client, on `me` and on the other peer's object. */
export type PairEvent = 'request/pair' | 'accepted/pair' | 'end/pair';

/**
 * What peers, infos and rooms need from their client. Internal: it keeps `Peer` and `Room` free of
 * the client's private state, and lets tests build them against a fake.
 */
export interface Wire {
  call<T>(frame: CallFrame, options?: CallOptions): Promise<T>;
  /** Sends a frame that expects no answer; throws when `frame` cannot be encoded as JSON. */
  post(frame: PostFrame): void;
  /** Resolves when the client is scoped (at once if it is). */
  scoped(): Promise<void>;
  readonly isScoped: boolean;
  readonly me: Peer;
  peer(socketId: string): Peer;
  firePair(event: PairEvent, peer: Peer): void;
  /** The pairing with `peer` ended on our side (`endPair`): a new acceptance fires again. */
  forgetPair(peer: Peer): void;
  /** A peer gained its first listener or lost its last: keep it cached (or not). */
  pin(peer: Peer, pinned: boolean): void;
  /** Listener failures of peers and rooms go where the client's go. */
  reportListenerError(error: unknown, event: PropertyKey): void;
}
