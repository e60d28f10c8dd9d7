import uWS, { type WebSocket, type WebSocketBehavior } from 'uWebSockets.js';

/**
 * One uWS app on 127.0.0.1, a free port, with the settings every bare uWS relay shares: no
 * compression, no idle timeout, and a back-pressure limit (uWS does not close on it by default) far above what the generator's window
 * can fill, so uWS never drops or closes during a run. Resolves with the bound port.
 */
export function listenUws<U>(behavior: WebSocketBehavior<U>): Promise<number> {
  if (!String(uWS.App).includes('[native code]')) {
    throw new Error('uWebSockets.js loaded its JS fallback, not the native binary');
  }
  return new Promise((resolve, reject) => {
    uWS
      .App()
      .ws<U>('/*', {
        compression: uWS.DISABLED,
        maxPayloadLength: 1024 * 1024,
        maxBackpressure: 64 * 1024 * 1024,
        idleTimeout: 0,
        ...behavior,
      })
      .listen('127.0.0.1', 0, (listenSocket) => {
        if (!listenSocket) reject(new Error('uWS could not listen'));
        else resolve(uWS.us_socket_local_port(listenSocket));
      });
  });
}

export type { WebSocket };
