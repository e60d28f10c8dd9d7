#!/usr/bin/env node
import { ListenError } from '@mwse/engine';
import { PROTOCOL_VERSION } from '@mwse/protocol';
import { parseCliArgs, USAGE } from './cliArgs.js';
import { loadConfig, type ServerConfig } from './config.js';
import { startServer, type RunningServer } from './startServer.js';
import { createLogger } from './logging/createLogger.js';
import { VERSION } from './version.js';
import { isWorker, reportListening, runWorkers, sharedPort } from './workers.js';

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
  if (isWorker()) {
    // A terminal's Ctrl-C reaches the whole process group; the primary turns it into one SIGTERM each.
    process.on('SIGINT', () => {});
    process.on('SIGTERM', () => onSignal('SIGTERM'));
  }
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
  if (isWorker()) return;
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** `(transport: uws)` for a single node; cluster mode adds the node ids, and the workers. */
function modeText(transport: string, nodeIds: string[], workers: number): string {
  if (nodeIds.length === 0) return `transport: ${transport}`;
  if (workers === 1) return `transport: ${transport}, cluster node ${nodeIds[0]}`;
  return `transport: ${transport}, cluster nodes ${nodeIds.join(' ')}, ${workers} workers`;
}

function printStartLines(url: string, pageUrl: string, mode: string): void {
  // The first line's format is parsed by scripts and tests; what people need comes on a second.
  process.stdout.write(`mwse-server ${VERSION} listening on ${url} (${mode})\n`);
  process.stdout.write(`mwse-server open ${pageUrl} in a browser (demos: ${pageUrl}demos/)\n`);
}

/** Which media backend broadcasts use: origin and path only, so a token in the URL stays out of logs. */
function printMediaLine(media: ServerConfig['media']): void {
  if (!media) return;
  const url = typeof media.options?.url === 'string' ? new URL(media.options.url) : undefined;
  const where = url ? ` at ${url.origin}${url.pathname}` : '';
  process.stdout.write(`mwse-server broadcast media: ${String(media.backend)}${where}, calls time out after ${media.timeout ?? 5000} ms\n`);
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
  if (config.workers > 1 && !isWorker()) {
    const log = createLogger(config.logLevel, config.logFormat).child({ role: 'primary' });
    let port: number;
    try {
      port = await sharedPort(config.host, config.port);
    } catch (error) {
      fail(startFailure(error, config.host, config.port));
    }
    runWorkers(config, port, command.env, log, {
      listening: (all) => {
        printStartLines(all[0]!.url, all[0]!.pageUrl, modeText(all[0]!.transport, all.map((w) => w.nodeId), all.length));
        printMediaLine(config.media);
      },
      exit: (code) => process.exit(code),
    });
    return;
  }
  let server: RunningServer;
  try {
    server = await startServer(config);
  } catch (error) {
    fail(startFailure(error, config.host, config.port));
  }
  handleSignals(server, config.shutdownTimeout);
  if (isWorker()) return reportListening(server);
  printStartLines(server.url, server.pageUrl, modeText(server.transport, server.nodeId ? [server.nodeId] : [], 1));
  printMediaLine(config.media);
}

await main();
