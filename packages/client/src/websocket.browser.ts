import type { WebSocketConstructor } from './WebSocketLike.js';
import type { defaultWebSocket as nodeTwin } from './websocket.node.js';

/**
 * Browser twin of `websocket.node.ts`: the page's own `WebSocket`. The build swaps it in for the
 * Node file in every browser bundle; the type annotation keeps both twins' signatures equal.
 */
export const defaultWebSocket: typeof nodeTwin = () => {
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!global) {
    throw new TypeError('MWSE: this environment has no WebSocket; pass one as options.WebSocket');
  }
  return global;
};
