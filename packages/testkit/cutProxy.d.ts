/**
 * A TCP proxy on 127.0.0.1 that drops connections the way a network does (both legs destroyed at
 * once: 1006 on both sides, no close frame). While `blocked`, new connections are dropped on arrival.
 */
export declare class CutProxy {
  constructor(upstreamPort: number);
  port: number;
  blocked: boolean;
  /** Connections cut so far. */
  cuts: number;
  start(): Promise<this>;
  /** `ws://127.0.0.1:<port>` (no trailing slash). */
  readonly endpoint: string;
  /** Connections open now. */
  readonly open: number;
  /** Cut one open connection at random; false when none is open. */
  cutRandom(): boolean;
  /** Cut every open connection; returns how many. */
  cutAll(): number;
  stop(): Promise<void>;
}
