import { createServer } from 'node:net';

/**
 * A port that was free a moment ago on 127.0.0.1, for what must bind a fixed port (a second
 * server on a taken port, a proxy's upstream). Port 0 is better wherever the bound port can be
 * read back.
 */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
