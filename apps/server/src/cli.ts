#!/usr/bin/env node
import { ListenError } from '@mwse/engine';
import { PROTOCOL_VERSION } from '@mwse/protocol';
import { parseCliArgs, USAGE } from './cliArgs.js';
import { loadConfig } from './config.js';
import { startServer, type RunningServer } from './startServer.js';
import { VERSION } from './version.js';

/** Print one line to stderr and leave with code 1: start-up errors are for people, not stack traces. */
function fail(message: string): never {
  process.stderr.write(`mwse-server: ${message}\n`);
  process.exit(1);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Which variable to change when the port cannot be bound; the same text on both transports. */
const LISTEN_HINTS: Record<string, string> = {
  EADDRINUSE: 'is another server running there? set MWSE_PORT to a free port',
  EACCES: 'set MWSE_PORT to 1024 or above, or run with the privilege to bind it',
  EADDRNOTAVAIL: 'set MWSE_HOST to an address of this machine, or 0.0.0.0',
  ENOTFOUND: 'set MWSE_HOST to an address of this machine, or 0.0.0.0',
};

function startFailure(error: unknown, host: string, port: number): string {
  if (error instanceof ListenError) {
    const hint = LISTEN_HINTS[error.code] ?? 'check MWSE_HOST and MWSE_PORT';
    return `${error.message} (${hint})`;
  }
  return `cannot start on ${host}:${port}: ${messageOf(error)}`;
}

/**
 * First SIGTERM/SIGINT: stop accepting, close every connection with 1001, exit 0 once done, or when
 * MWSE_SHUTDOWN_TIMEOUT passes, whichever comes first. A second signal exits at once.
 */
function handleSignals(server: RunningServer, shutdownTimeout: number): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`mwse-server: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    process.stderr.write(`mwse-server: ${signal}, closing connections\n`);
    setTimeout(() => {
      process.stderr.write('mwse-server: shutdown timeout passed, exiting\n');
      process.exit(0);
    }, shutdownTimeout).unref();
    server.close().then(
      () => process.exit(0),
      (error: unknown) => fail(`shutdown failed: ${messageOf(error)}`),
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

async function main(): Promise<void> {
  let command;
  try {
    command = parseCliArgs(process.argv.slice(2), process.env);
  } catch (error) {
    fail(`${messageOf(error)}\n\n${USAGE}`);
  }
  if (command.kind === 'help') return void process.stdout.write(`${USAGE}\n`);
  if (command.kind === 'version') {
    return void process.stdout.write(`mwse-server ${VERSION} (protocol ${PROTOCOL_VERSION})\n`);
  }

  let config;
  try {
    config = loadConfig(command.env);
  } catch (error) {
    fail(messageOf(error));
  }
  let server: RunningServer;
  try {
    server = await startServer(config);
  } catch (error) {
    fail(startFailure(error, config.host, config.port));
  }
  handleSignals(server, config.shutdownTimeout);
  // The first line's format is parsed by scripts and tests; what people need comes on a second.
  process.stdout.write(`mwse-server ${VERSION} listening on ${server.url} (transport: ${server.transport})\n`);
  process.stdout.write(`mwse-server open ${server.pageUrl} in a browser (demos: ${server.pageUrl}demos/)\n`);
  const media = config.media;
  if (media) {
    // Origin and path only: a token in the query or the user part stays out of logs.
    const url = typeof media.options?.url === 'string' ? new URL(media.options.url) : undefined;
    const where = url ? ` at ${url.origin}${url.pathname}` : '';
    process.stdout.write(`mwse-server broadcast media: ${String(media.backend)}${where}, calls time out after ${media.timeout ?? 5000} ms\n`);
  }
}

await main();
