import { readFile } from 'node:fs/promises';
import type { HttpResponse } from '@mwse/engine';
import { contentType } from './contentType.js';
import type { RequestPath } from './parseRequestPath.js';
import { resolveInside } from './resolveInside.js';
import { BASE_HEADERS, notFound, redirect } from './responses.js';

/** How a directory is exposed over HTTP. */
export interface ServeDirectoryOptions {
  /** Folder on disk. */
  root: string;
  /** URL path it is mounted at, with a trailing slash (`/` or `/sdk/`); used for redirects. */
  mount: string;
}

/** Serves the files of one folder for GET and HEAD (the caller has checked the method). */
export type DirectoryRoute = (path: RequestPath, method: 'GET' | 'HEAD') => Promise<HttpResponse>;

/**
 * Serve the files under `root`. A folder answers with its `index.html`; a folder asked for without
 * a trailing slash is redirected to it, so relative links inside the page work. Hidden names
 * (`.env`, `.git/…`) are not served, except `.well-known`.
 */
export function serveDirectory({ root, mount }: ServeDirectoryOptions): DirectoryRoute {
  return async ({ segments, trailingSlash }, method) => {
    if (segments.some((s) => s.startsWith('.') && s !== '.well-known')) return notFound();
    let found = await resolveInside(root, segments);
    if (found.kind === 'directory') {
      if (!trailingSlash && segments.length > 0) {
        // Rebuilt from checked segments, never echoed: `//host` must not become an open redirect.
        return redirect(`${mount}${segments.map(encodeURIComponent).join('/')}/`);
      }
      found = await resolveInside(root, [...segments, 'index.html']);
    }
    if (found.kind !== 'file') return notFound();
    return fileResponse(found.path, method);
  };
}

async function fileResponse(path: string, method: 'GET' | 'HEAD'): Promise<HttpResponse> {
  let body: Uint8Array;
  try {
    body = await readFile(path);
  } catch {
    return notFound();
  }
  return {
    status: 200,
    headers: {
      ...BASE_HEADERS,
      'content-type': contentType(path),
      'cache-control': 'no-cache',
      // No content-length here: the transport writes it from the body, and uWebSockets.js would
      // send a second, conflicting one (for HEAD it reports 0; the engine owns that framing).
    },
    ...(method === 'GET' ? { body } : {}),
  };
}
