import { afterAll, beforeAll } from 'vitest';
import { loadConfig } from '../config.js';
import { startServer, type RunningServer } from '../startServer.js';
import { createSiteFixture, type SiteFixture } from './siteFixture.js';

/**
 * A server on a free port of 127.0.0.1 for the suite, serving a fresh site fixture (state in
 * memory), stopped and removed after it. `prepare` may add files to the site before it starts.
 * Read `server` and `site` from the returned object inside the tests.
 */
export function useSiteServer(transport: 'uws' | 'ws', prepare?: (site: SiteFixture) => void) {
  const state = { server: undefined as unknown as RunningServer, site: undefined as unknown as SiteFixture };
  beforeAll(async () => {
    state.site = createSiteFixture();
    prepare?.(state.site);
    state.server = await startServer({
      ...loadConfig({ MWSE_STORE: 'memory' }),
      host: '127.0.0.1',
      port: 0,
      transport,
      publicDir: state.site.publicDir,
      sdkDir: state.site.sdkDir,
    });
  });
  afterAll(async () => {
    await state.server?.close();
    state.site?.remove();
  });
  return state;
}
