/**
 * The part of the WHATWG `WebSocket` the SDK uses. Browsers' `WebSocket`, Node's global
 * `WebSocket` (Node ≥ 22) and the `ws` package all fit it, so any of them can be passed as
 * `options.WebSocket`.
 *
 * Handlers take `any` events on purpose: each implementation types its events differently, and the
 * SDK reads only `data`, `code` and `reason` from them.
 */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType?: string;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
}

/** A `WebSocket` class: `new WebSocket(url)`. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;
