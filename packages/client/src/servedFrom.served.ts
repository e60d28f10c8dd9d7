import type { servedFrom as npmTwin } from './servedFrom.js';

/**
 * Served twin of `servedFrom.ts`, built into the server's `/sdk/client/index.js`: the server is
 * the one this module was loaded from, so a page on another origin that imports
 * `http://host:7707/sdk/index.js` connects to `ws://host:7707/`, not to itself. The module sits two
 * folders below the server's root (`/sdk/client/`), so `../../` is that root, a path prefix of a
 * proxy in front included.
 */
export const servedFrom: typeof npmTwin = () => {
  const root = new URL('../../', import.meta.url);
  return root.protocol === 'http:' || root.protocol === 'https:' ? root.href : undefined;
};
