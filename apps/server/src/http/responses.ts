import type { HttpResponse } from '@mwse/engine';

/** Headers every answer of the server carries. */
export const BASE_HEADERS = { 'x-content-type-options': 'nosniff' } as const;

function text(status: number, body: string, headers: Record<string, string> = {}): HttpResponse {
  return {
    status,
    headers: { ...BASE_HEADERS, 'content-type': 'text/plain; charset=utf-8', ...headers },
    body: `${body}\n`,
  };
}

/** 404 with a short plain-text body. */
export const notFound = (): HttpResponse => text(404, 'Not Found');

/** 400 for a path that cannot name a file (undecodable, `..`, NUL, backslash, encoded slash). */
export const badRequest = (): HttpResponse => text(400, 'Bad Request');

/** 405 naming the methods the route does take. */
export const methodNotAllowed = (allow: readonly string[]): HttpResponse =>
  text(405, 'Method Not Allowed', { allow: allow.join(', ') });

/** 500 when a handler failed; the reason stays in the server's log. */
export const internalError = (): HttpResponse => text(500, 'Internal Server Error');

/** 301 to a path on this server. */
export const redirect = (location: string): HttpResponse =>
  text(301, `Moved Permanently: ${location}`, { location });
