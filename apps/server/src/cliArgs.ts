import { parseArgs } from 'node:util';

/** What the command line asked for. */
export type CliCommand =
  | { kind: 'run'; env: Record<string, string | undefined> }
  | { kind: 'help' }
  | { kind: 'version' };

/** Flags that mirror environment variables; a flag wins over its variable. */
export const FLAG_VARIABLES = {
  host: 'MWSE_HOST',
  port: 'MWSE_PORT',
  transport: 'MWSE_TRANSPORT',
  'public-dir': 'MWSE_PUBLIC_DIR',
  'sdk-dir': 'MWSE_SDK_DIR',
  workers: 'MWSE_WORKERS',
} as const;

/** The text of `mwse-server --help`. */
export const USAGE = `Usage: mwse-server [options]

Options (each mirrors an environment variable, which is used when the flag is absent):
  --host <address>      MWSE_HOST        bind address (0.0.0.0)
  --port <number>       MWSE_PORT        port, 0 for any free one (7707)
  --transport <name>    MWSE_TRANSPORT   auto | uws | ws (auto)
  --public-dir <path>   MWSE_PUBLIC_DIR  static files served at / (./public)
  --sdk-dir <path>      MWSE_SDK_DIR     browser SDK served at /sdk/ (bundled)
  --workers <n|auto>    MWSE_WORKERS     processes on one port, cluster mode only (1)
  -h, --help            show this help
  -v, --version         print the version

Also read from the environment (durations like 500ms, 10s, 2m; the README lists defaults):
  connections  MWSE_OUTBOUND_BUFFER, MWSE_OUTBOUND_BUFFER_BYTES, MWSE_MAX_MESSAGE_SIZE,
               MWSE_PING_INTERVAL, MWSE_SHUTDOWN_TIMEOUT, MWSE_RESUME_GRACE,
               MWSE_REPLAY_FRAMES, MWSE_REPLAY_BYTES
  admission    MWSE_ALLOWED_ORIGINS, MWSE_MAX_CONNECTIONS_PER_ADDRESS, MWSE_TRUST_PROXY,
               MWSE_RATE_LIMIT, MWSE_RATE_BURST
  pools        MWSE_MAX_INFO_KEYS, MWSE_MAX_INFO_BYTES, MWSE_MAX_ROOM_INFO_KEYS,
               MWSE_MAX_ROOM_INFO_BYTES, MWSE_MAX_PENDING_REQUESTS, MWSE_MAX_ROOMS_PER_PEER,
               MWSE_MAX_PASSWORD_CHECKS, MWSE_MAX_PASSWORD_CHECKS_PER_PEER
  notify       MWSE_NOTIFY_TTL, MWSE_NOTIFY_MAX_PER_IDENTITY, MWSE_NOTIFY_MAX_PER_SENDER,
               MWSE_NOTIFY_MAX_STORED, MWSE_NOTIFY_MAX_BYTES_PER_IDENTITY,
               MWSE_NOTIFY_MAX_BYTES_PER_SENDER, MWSE_NOTIFY_MAX_BYTES_STORED
  addresses    MWSE_PEERS_NETWORK, MWSE_ROOMS_NETWORK
  storage      MWSE_STORE, MWSE_DATA_DIR, MWSE_REDIS_URL
  cluster      MWSE_CLUSTER, MWSE_NODE_ID, MWSE_REUSE_PORT, MWSE_REDIS_VOLATILE
  api          MWSE_ADMIN_TOKEN, MWSE_API_BODY_LIMIT
  bridge       BRIDGE_APPROVE_URL, BRIDGE_APPROVE_TIMEOUT, BRIDGE_APPROVE_HEADERS,
               BRIDGE_MAX_PENDING_APPROVALS, BRIDGE_TRIGGER_URL, MWSE_BRIDGE_SECRET,
               BRIDGE_TRIGGER_MAX_ATTEMPTS, BRIDGE_TRIGGER_RETRY_DELAY, BRIDGE_TRIGGER_TIMEOUT,
               BRIDGE_TRIGGER_MAX_IN_FLIGHT, BRIDGE_INBOX, BRIDGE_INBOX_SIZE`;

/**
 * Parse `argv` (without node and the script) into a command. Flags are folded into a copy of
 * `env` so that one place, `loadConfig`, checks every value. Throws on unknown flags.
 */
export function parseCliArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): CliCommand {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      transport: { type: 'string' },
      'public-dir': { type: 'string' },
      'sdk-dir': { type: 'string' },
      workers: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const merged: Record<string, string | undefined> = { ...env };
  for (const [flag, variable] of Object.entries(FLAG_VARIABLES)) {
    const value = values[flag as keyof typeof FLAG_VARIABLES];
    if (value !== undefined) merged[variable] = value;
  }
  return { kind: 'run', env: merged };
}
