import { request } from 'node:https';
import WebSocket, { type ClientOptions } from 'ws';
import MWSE, { type WebSocketConstructor } from '@mwse/client';
import { withTimeout } from './harness.js';

/**
 * A WebSocket class for the SDK's `options.WebSocket` that trusts `ca` (a self-signed test
 * certificate), with any other ws client options (`localAddress`, `headers`).
 */
export function trustingWebSocket(ca: string, options: ClientOptions = {}): WebSocketConstructor {
  return class extends WebSocket {
    constructor(url: string) {
      super(url, { ...options, ca });
    }
  } as unknown as WebSocketConstructor;
}

/** A scoped SDK client (no auto-reconnect) on `endpoint`, trusting `ca`. */
export async function tlsClient(
  endpoint: string,
  ca: string,
  codec: 'binary' | 'json',
  options: ClientOptions = {},
): Promise<MWSE> {
  const mwse = new MWSE({ endpoint, reconnect: false, codec, WebSocket: trustingWebSocket(ca, options) });
  await withTimeout(new Promise<void>((resolve) => mwse.scope(() => resolve())), 5000, `scope on ${endpoint}`);
  return mwse;
}

/** GET over https trusting `ca`: status and body. */
export function httpsGet(url: string, ca: string): Promise<{ status: number; body: string }> {
  return withTimeout(
    new Promise((resolve, reject) => {
      request(url, { ca }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      })
        .on('error', reject)
        .end();
    }),
    5000,
    `GET ${url}`,
  );
}

/** Open a plain `ws://` socket: how it ended ('open', 'refused' with a status, or 'error'). */
export function plainAttempt(url: string): Promise<string> {
  return withTimeout(
    new Promise((resolve) => {
      const ws = new WebSocket(url);
      ws.once('open', () => {
        ws.terminate();
        resolve('open');
      });
      ws.once('unexpected-response', (_req, res) => {
        ws.terminate();
        resolve(`refused ${res.statusCode}`);
      });
      ws.once('error', () => resolve('error'));
    }),
    5000,
    `plain ws:// attempt on ${url}`,
  );
}
