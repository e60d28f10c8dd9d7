import { createRequire } from 'node:module';
import type { TransportName } from '../EngineOptions.js';
import type { Transport, TransportOptions } from './Transport.js';
import { createUwsTransport, type UwsModule } from './uwsTransport.js';

/** Load uWebSockets.js if it is installed; undefined when it is not or its binary does not load. */
function loadUws(): UwsModule | undefined {
  try {
    const require = createRequire(import.meta.url);
    const uws = require('uWebSockets.js') as UwsModule;
    // Some builds fall back to a pure-JS shim when their binary does not load; ws is faster then.
    return String(uws.App).includes('[native code]') ? uws : undefined;
  } catch {
    return undefined;
  }
}

/** The ws transport, imported only when it is used: `ws` costs ~12 MB of RSS a uWS server does not need. */
async function wsTransport(options: TransportOptions): Promise<Transport> {
  const { createWsTransport } = await import('./wsTransport.js');
  return createWsTransport(options);
}

/**
 * Pick the transport: `uws` requires uWebSockets.js, `ws` always works, `auto` takes uWS when it
 * loads and falls back to ws.
 */
export async function loadTransport(name: TransportName, options: TransportOptions): Promise<Transport> {
  if (name === 'ws') return wsTransport(options);
  const uws = loadUws();
  if (uws) return createUwsTransport(uws, options);
  if (name === 'uws') {
    throw new Error(
      'transport "uws" asked for, but uWebSockets.js is not installed (install it as "uWebSockets.js")',
    );
  }
  return wsTransport(options);
}
