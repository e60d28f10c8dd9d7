import type { HttpHandler, HttpRequest, HttpResponse } from '@mwse/engine';
import { VERSION } from '../version.js';
import { preflight, SDK_METHODS, withCors } from './cors.js';
import { favicon, FAVICON_NAMES } from './favicon.js';
import { landingPage } from './landingPage.js';
import { parseRequestPath } from './parseRequestPath.js';
import { badRequest, internalError, methodNotAllowed, redirect } from './responses.js';
import { serveDirectory } from './serveDirectory.js';

/** Folders the HTTP routes serve. */
export interface HttpRoutesOptions {
  /** Static files at `/*`. */
  publicDir: string;
  /** Browser SDK at `/sdk/*`. */
  sdkDir: string;
  /** Demo pages at `/demos/*` (none when absent). */
  demosDir?: string;
  /** Where a failing route is reported (default `console.error`). */
  onError?: (error: unknown) => void;
}

const READ_METHODS = ['GET', 'HEAD'] as const;
type ReadMethod = (typeof READ_METHODS)[number];
const isReadMethod = (method: string): method is ReadMethod =>
  (READ_METHODS as readonly string[]).includes(method);

/**
 * The server's plain-HTTP routes (SPEC §5), as one engine HTTP handler:
 * `GET /sdk.js` → 301 `/sdk/index.js`; `GET /sdk/*` → files of `sdkDir`; `GET /demos/*` → files
 * of `demosDir`; `GET /*` → files of `publicDir`, with a built-in landing page at `/` and an icon
 * at `/favicon.svg` and `/favicon.ico` while `publicDir` has none of its own. HEAD works wherever
 * GET does; other methods get 405 with `allow`. The SDK routes send CORS headers and answer
 * OPTIONS preflights, so pages on any origin can import the SDK.
 */
export function createHttpHandler({
  publicDir,
  sdkDir,
  demosDir,
  onError = console.error,
}: HttpRoutesOptions): HttpHandler {
  const sdk = serveDirectory({ root: sdkDir, mount: '/sdk/' });
  const demos = demosDir === undefined ? undefined : serveDirectory({ root: demosDir, mount: '/demos/' });
  const files = serveDirectory({ root: publicDir, mount: '/' });

  const route = async (req: HttpRequest): Promise<HttpResponse> => {
    const path = parseRequestPath(req.path);
    if (!path) return badRequest();
    const method = req.method.toUpperCase();
    const [first, ...rest] = path.segments;
    if (first === 'sdk' || (first === 'sdk.js' && rest.length === 0)) {
      if (method === 'OPTIONS') return preflight(req.headers['access-control-request-headers']);
      if (!isReadMethod(method)) return withCors(methodNotAllowed(SDK_METHODS));
      // The redirect needs the headers too: a cross-origin import follows it in CORS mode.
      if (first === 'sdk.js') return withCors(redirect('/sdk/index.js'));
      return withCors(await sdk({ segments: rest, trailingSlash: path.trailingSlash }, method));
    }
    if (!isReadMethod(method)) return methodNotAllowed(READ_METHODS);
    if (first === 'demos' && demos) return demos({ segments: rest, trailingSlash: path.trailingSlash }, method);
    const found = await files(path, method);
    if (found.status !== 404) return found;
    // The public folder's own files win; these only fill in what a fresh install lacks.
    if (path.segments.length === 0) return landingPage(VERSION, method);
    if (path.segments.length === 1 && FAVICON_NAMES.has(first!)) return favicon(method);
    return found;
  };

  return async (req) => {
    try {
      return await route(req);
    } catch (error) {
      onError(error);
      return internalError();
    }
  };
}
