import { fileURLToPath } from 'node:url';

/**
 * The browser SDK shipped inside this package: the build copies the client's browser bundle to
 * `dist/sdk/`, next to the bundled `dist/cli.js`, so an installed `@mwse/server` needs nothing else.
 */
export function defaultSdkDir(): string {
  return fileURLToPath(new URL('./sdk/', import.meta.url));
}
