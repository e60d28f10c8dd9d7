import { loadConfig, startServer } from '@mwse/server';
import { serve } from './serve.js';

/**
 * `mwse-server` as configured from the environment, with the Janus backend at argv[2] and the
 * pages of argv[3] (the headless-viewer broadcast bench): in a process of its own, so its CPU is
 * its own. The per-address connection limit and the rate limit are lifted: every viewer of the
 * bench comes from 127.0.0.1.
 */
const [janusUrl, publicDir] = process.argv.slice(2) as [string, string];
const config = loadConfig({
    MWSE_STORE: 'memory',
    MWSE_MEDIA: 'janus',
    MWSE_MEDIA_URL: janusUrl,
    MWSE_MEDIA_TIMEOUT: '20000',
    MWSE_MAX_CONNECTIONS_PER_ADDRESS: '100000',
    MWSE_RATE_LIMIT: '0',
    MWSE_LOG_LEVEL: 'warn',
});
const server = await startServer({ ...config, host: '127.0.0.1', port: 0, publicDir });
serve(server.port, () => server.close());
