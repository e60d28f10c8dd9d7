import { servedFrom } from './servedFrom.js';

interface PageLocation {
  protocol: string;
  host: string;
  href: string;
}

/**
 * Turns `options.endpoint` into the WebSocket URL to open.
 *
 * - No endpoint, in the SDK an MWSE server serves (`/sdk/index.js`, `/sdk/client/index.js`): that
 *   server (`home`, derived from the module's own URL), whatever page imported it. This is what
 *   lets `import MWSE from 'http://localhost:7707/sdk/index.js'` work from any origin.
 * - No endpoint, in the npm package in a page: the page's own origin (`wss:` under `https:`).
 * - No endpoint elsewhere (Node): a `TypeError` naming the option, since there is no origin to use.
 * - `http:`/`https:` endpoints are accepted and mapped to `ws:`/`wss:`; relative ones are resolved
 *   against the page.
 */
export function resolveEndpoint(endpoint?: string, home: string | undefined = servedFrom()): string {
  const page = (globalThis as { location?: PageLocation }).location;
  if (endpoint === undefined || endpoint === '') {
    if (home) return toWebSocketUrl(new URL(home)).href;
    if (!page?.host) {
      throw new TypeError(
        'MWSE: options.endpoint is required outside a browser page, e.g. new MWSE({ endpoint: "ws://127.0.0.1:7707" })',
      );
    }
    return `${page.protocol === 'https:' ? 'wss:' : 'ws:'}//${page.host}/`;
  }
  let url: URL;
  try {
    url = page?.href ? new URL(endpoint, page.href) : new URL(endpoint);
  } catch {
    throw new TypeError(`MWSE: options.endpoint is not a valid URL: ${JSON.stringify(endpoint)}`);
  }
  toWebSocketUrl(url);
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new TypeError(
      `MWSE: options.endpoint must be a ws:, wss:, http: or https: URL, got ${url.protocol}`,
    );
  }
  return url.href;
}

/** Maps `http:`/`https:` to `ws:`/`wss:` in place; other schemes are left for the caller to refuse. */
function toWebSocketUrl(url: URL): URL {
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  return url;
}

/** The endpoint with `codec=binary` in its query: how the SDK asks for the binary framing. */
export function withBinaryCodec(endpoint: string): string {
  const url = new URL(endpoint);
  url.searchParams.set('codec', 'binary');
  return url.href;
}

/**
 * {@link resolveEndpoint} for each endpoint of a list (`options.endpoint` as an array); one
 * endpoint, or none, gives a list of one. Duplicates are dropped, so a repeated URL does not get
 * more turns than the others.
 */
export function resolveEndpoints(endpoint?: string | readonly string[], home: string | undefined = servedFrom()): string[] {
  if (!Array.isArray(endpoint)) return [resolveEndpoint(endpoint as string | undefined, home)];
  if (endpoint.length === 0) throw new TypeError('MWSE: options.endpoint is an empty list');
  const urls = endpoint.map((one: unknown) => {
    if (typeof one !== 'string' || one === '') throw new TypeError(`MWSE: options.endpoint lists ${JSON.stringify(one)}, not a URL`);
    return resolveEndpoint(one, home);
  });
  return [...new Set(urls)];
}
