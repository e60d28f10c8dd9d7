import { createServer } from 'node:net';

const REASONS: Record<string, string> = {
  EADDRINUSE: 'the port is already in use',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'the address is not one of this machine',
  ENOTFOUND: 'the host name does not resolve',
  UNKNOWN: 'the reason was not reported',
};

/**
 * The engine could not bind its port. Both transports throw this with the same `code` and
 * message, so whoever starts the engine can name the setting to change.
 *
 * @example
 * try { await createEngine({ port: 7707 }); }
 * catch (e) { if (e instanceof ListenError && e.code === 'EADDRINUSE') console.error('pick another port'); }
 */
export class ListenError extends Error {
  constructor(
    /** The system error (`EADDRINUSE`, `EACCES`, `EADDRNOTAVAIL`, …), or `UNKNOWN` when none was given. */
    readonly code: string,
    readonly host: string,
    readonly port: number,
  ) {
    super(`cannot listen on ${host}:${port}: ${REASONS[code] ?? code}`);
    this.name = 'ListenError';
  }
}

/**
 * uWebSockets.js reports a failed listen as `false`, without the reason. Binding the same address
 * with node:net (no port sharing) for an instant finds it; if that bind works the port was freed
 * in between, and the reason stays unknown.
 */
export function diagnoseListenFailure(host: string, port: number): Promise<ListenError> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(new ListenError(error.code ?? 'UNKNOWN', host, port)));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(new ListenError('UNKNOWN', host, port))));
  });
}
