import { fileURLToPath } from 'node:url';

/**
 * The demo pages shipped with this package, in its `demos/` folder (beside `dist/` once
 * installed, beside `src/` in the repo).
 */
export function defaultDemosDir(): string {
  return fileURLToPath(new URL('../demos/', import.meta.url));
}
