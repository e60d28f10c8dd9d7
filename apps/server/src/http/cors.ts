import type { HttpResponse } from '@mwse/engine';
import { BASE_HEADERS } from './responses.js';

/**
 * What lets a page on any origin load the SDK: `import MWSE from 'http://host:7707/sdk/index.js'`
 * is a CORS request (module scripts always are), and so are its imports of `./client/index.js` and
 * `./webrtc/index.js`. The files are public and carry no credentials, so `*` is safe.
 * `cross-origin-resource-policy` covers `<link rel="stylesheet" href=".../sdk/studio/style.css">`
 * on pages that require it (COEP).
 */
export const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'cross-origin-resource-policy': 'cross-origin',
} as const;

const HEADER_LIST = /^[A-Za-z0-9-]{1,64}(\s*,\s*[A-Za-z0-9-]{1,64}){0,31}$/;

/** The methods the SDK routes answer. */
export const SDK_METHODS = ['GET', 'HEAD', 'OPTIONS'] as const;

/** `response` with the CORS headers added. */
export function withCors(response: HttpResponse): HttpResponse {
  return { ...response, headers: { ...response.headers, ...CORS_HEADERS } };
}

/**
 * 204 answer to a CORS preflight. Browsers send one before a cross-origin `fetch` with custom
 * headers; module imports do not need it, but a loader that asks must get a yes.
 */
export function preflight(requestedHeaders: string | undefined): HttpResponse {
  return {
    status: 204,
    headers: {
      ...BASE_HEADERS,
      ...CORS_HEADERS,
      'access-control-allow-methods': SDK_METHODS.join(', '),
      // Echoed when it is a plain list of header names: any header is fine for a read of public
      // files, and `*` is not honoured by every browser.
      ...(requestedHeaders && HEADER_LIST.test(requestedHeaders)
        ? { 'access-control-allow-headers': requestedHeaders }
        : {}),
      'access-control-max-age': '86400',
    },
  };
}
