import type { HttpHandler, HttpRequest, HttpResponse } from '@mwse/engine';
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
 * of `demosDir`; `GET /*` → files of
 * `publicDir`. HEAD works wherever GET does; other methods get 405 with `allow`.
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
    if (!isReadMethod(method)) return methodNotAllowed(READ_METHODS);
    const [first, ...rest] = path.segments;
    if (first === 'sdk.js' && rest.length === 0) return redirect('/sdk/index.js');
    if (first === 'sdk') return sdk({ segments: rest, trailingSlash: path.trailingSlash }, method);
    if (first === 'demos' && demos) return demos({ segments: rest, trailingSlash: path.trailingSlash }, method);
    return files(path, method);
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
