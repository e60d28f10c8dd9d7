/** A request path split into decoded segments that are each safe to use as one file name. */
export interface RequestPath {
  segments: string[];
  /** The path ended in `/` (a directory was asked for). */
  trailingSlash: boolean;
}

/**
 * Split and percent-decode a raw request path, refusing anything that could step outside the
 * directory it is served from: `.` and `..` segments (also encoded, e.g. `%2e%2e`), encoded
 * slashes and backslashes (`%2f`, `%5c`, which would hide a `..` from this check), NUL bytes, and
 * undecodable escapes. Empty segments (`//`) are dropped, so `//etc/passwd` stays relative.
 * Returns undefined when the path is refused.
 *
 * @example parseRequestPath('/a%20b/c.txt') // { segments: ['a b', 'c.txt'], trailingSlash: false }
 */
export function parseRequestPath(raw: string): RequestPath | undefined {
  if (!raw.startsWith('/')) return undefined;
  const segments: string[] = [];
  for (const encoded of raw.slice(1).split('/')) {
    if (encoded === '') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(encoded);
    } catch {
      return undefined;
    }
    if (segment === '.' || segment === '..' || /[/\\\0]/.test(segment)) return undefined;
    segments.push(segment);
  }
  return { segments, trailingSlash: raw.endsWith('/') };
}
