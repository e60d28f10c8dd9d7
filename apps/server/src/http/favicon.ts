import type { HttpResponse } from '@mwse/engine';
import { BASE_HEADERS } from './responses.js';

/**
 * The server's icon: two peers and the tunnel between them, in the demos' colours. Pages link it
 * as `/favicon.svg`; `/favicon.ico` answers with it too, for browsers that ask without a link.
 */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect width="32" height="32" rx="7" fill="#1b1d21"/>
<path d="M9 16h14" stroke="#7cc4ff" stroke-width="3" stroke-linecap="round"/>
<circle cx="8" cy="16" r="4.5" fill="#7cc4ff"/>
<circle cx="24" cy="16" r="4.5" fill="#a6e3a1"/>
</svg>
`;

/** The names the icon is served at when the public folder has none of its own. */
export const FAVICON_NAMES: ReadonlySet<string> = new Set(['favicon.svg', 'favicon.ico']);

/** The icon as an HTTP answer (cached for a day: it changes with releases at most). */
export function favicon(method: 'GET' | 'HEAD'): HttpResponse {
  return {
    status: 200,
    headers: { ...BASE_HEADERS, 'content-type': 'image/svg+xml; charset=utf-8', 'cache-control': 'public, max-age=86400' },
    ...(method === 'GET' ? { body: FAVICON_SVG } : {}),
  };
}
