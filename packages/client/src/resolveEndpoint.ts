interface PageLocation {
  protocol: string;
  host: string;
  href: string;
}

/**
 * Turns `options.endpoint` into the WebSocket URL to open.
 *
 * - No endpoint in a page: the page's own origin (`wss:` under `https:`), as the seed's
 *   `new MWSE()` expects when the server also serves the page.
 * - No endpoint elsewhere (Node): a `TypeError` naming the option, since there is no origin to use.
 * - `http:`/`https:` endpoints are accepted and mapped to `ws:`/`wss:`; relative ones are resolved
 *   against the page.
 */
export function resolveEndpoint(endpoint?: string): string {
  const page = (globalThis as { location?: PageLocation }).location;
  if (endpoint === undefined || endpoint === '') {
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
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new TypeError(
      `MWSE: options.endpoint must be a ws:, wss:, http: or https: URL, got ${url.protocol}`,
    );
  }
  return url.href;
}

/** The endpoint with `codec=binary` in its query: how the SDK asks for the binary framing. */
export function withBinaryCodec(endpoint: string): string {
  const url = new URL(endpoint);
  url.searchParams.set('codec', 'binary');
  return url.href;
}
