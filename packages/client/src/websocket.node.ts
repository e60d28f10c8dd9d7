import NodeWebSocket from 'ws';
import type { WebSocketConstructor } from './WebSocketLike.js';

/**
 * The WebSocket class used in Node when `options.WebSocket` is not given: the global one where the
 * runtime has it (Node ≥ 22, Deno, Bun), else the `ws` package, so Node 20 needs no setup.
 *
 * The browser build replaces this file with `websocket.browser.ts` (see tsup.config.ts), which is
 * why the browser bundle never contains `ws`.
 */
export function defaultWebSocket(): WebSocketConstructor {
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  return global ?? (NodeWebSocket as unknown as WebSocketConstructor);
}
