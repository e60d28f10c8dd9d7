import type { HttpHandler, HttpRequest, HttpResponse } from '../HttpTypes.js';
import { serveControlPlane } from '../../cluster/ServerCalls.js';
import { ApiError, json } from './ApiError.js';
import { ROUTES, type ControlPlaneContext } from './routes.js';

/**
 * The HTTP control plane on the WebSocket port: `/api/*`, `/healthz`, `/readyz`, `/metrics`.
 * Paths it does not own go to `fallback` (the server app's files).
 */
export function createControlPlane(ctx: ControlPlaneContext, fallback?: HttpHandler): HttpHandler {
  // A cluster node answers the others' control-plane calls (sends to its peers).
  serveControlPlane(ctx.hub);
  return async (req: HttpRequest): Promise<HttpResponse | undefined> => {
    const matching = ROUTES.filter((r) => r.pattern.test(req.path));
    if (matching.length === 0) {
      if (req.path === '/api' || req.path.startsWith('/api/')) {
        return new ApiError(404, 'not-found', `no route ${req.method} ${req.path}`).toResponse();
      }
      return fallback?.(req);
    }
    const route = matching.find((r) => r.method === req.method);
    if (!route) {
      const allow = matching.map((r) => r.method).join(', ');
      return new ApiError(405, 'method-not-allowed', `use ${allow}`, undefined, { allow }).toResponse();
    }
    try {
      return await route.handle(req, route.pattern.exec(req.path)!.slice(1), ctx);
    } catch (error) {
      if (error instanceof ApiError) return error.toResponse();
      ctx.hub.log.error({ err: error, method: req.method, path: req.path }, 'an API route failed');
      return json(500, { error: { code: 'internal', message: 'the server failed to answer' } });
    }
  };
}
