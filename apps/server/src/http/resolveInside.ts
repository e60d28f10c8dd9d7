import { realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';

/** What a request path names inside a served directory. */
export type Resolved =
  | { kind: 'file'; path: string }
  | { kind: 'directory'; path: string }
  | { kind: 'missing' };

/**
 * Find what `segments` name under `root`, following symlinks only while they stay inside it:
 * both sides are turned into real paths and the target must be the root or lie under it, so a
 * link to `/etc` or `../secret` inside the public folder serves nothing.
 * `segments` must already be checked by `parseRequestPath` (no `..`, no separators).
 */
export async function resolveInside(root: string, segments: readonly string[]): Promise<Resolved> {
  try {
    const realRoot = await realpath(root);
    const real = await realpath(join(realRoot, ...segments));
    if (real !== realRoot && !real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep)) {
      return { kind: 'missing' };
    }
    const info = await stat(real);
    if (info.isDirectory()) return { kind: 'directory', path: real };
    if (info.isFile()) return { kind: 'file', path: real };
    return { kind: 'missing' };
  } catch {
    return { kind: 'missing' };
  }
}
