import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net.js';

/** Debian's janus, or the one at JANUS_PATH. */
export const JANUS = process.env.JANUS_PATH ?? '/usr/bin/janus';
/** Debian's coturn, or the one at TURNSERVER_PATH. */
export const TURNSERVER = process.env.TURNSERVER_PATH ?? '/usr/bin/turnserver';

/** True when suites that need Janus may skip: it is missing and this is not CI (.ci/run installs it). */
export function janusMissing() {
  return !existsSync(JANUS) && !process.env.CI;
}

/** True when suites that need coturn may skip: it is missing and this is not CI. */
export function turnMissing() {
  return !existsSync(TURNSERVER) && !process.env.CI;
}

/** True once something accepts TCP connections on the port. */
function listening(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => done(true));
  });
}

async function waitListening(child, port, name, output) {
  let gone = false;
  child.once('exit', () => (gone = true));
  // Bounded: 200 tries × ≤ 50 ms apart.
  for (let i = 0; i < 200; i++) {
    if (gone) throw new Error(`${name} exited at start: ${output()}`);
    if (await listening(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`${name} did not listen on port ${port}: ${output()}`);
}

function handle(child, exited, dir, extra) {
  const halt = async (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    ...extra,
    dir,
    pid: child.pid,
    /** SIGKILL: what a crash looks like. */
    kill: () => halt('SIGKILL'),
    /** SIGSTOP: a frozen server (connections stay open, nothing answers). */
    freeze: () => void child.kill('SIGSTOP'),
    thaw: () => void child.kill('SIGCONT'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGCONT');
      await halt('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Start a Janus of the caller's own: a generated config in a temp dir with only the WebSocket
 * transport (127.0.0.1, a free port), the VideoRoom and Streaming plugins, and an RTP port range
 * of its own. `url` is its `ws://` API address (subprotocol `janus-protocol`).
 * @param {{ rtpPorts?: [number, number] }} [options]
 */
export async function startJanus(options = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'mwse-janus-'));
  const port = await freePort();
  const base = 20000 + Math.floor(Math.random() * 200) * 100;
  const [rtpMin, rtpMax] = options.rtpPorts ?? [base, base + 99];
  const plugins = ['audiobridge', 'duktape', 'echotest', 'lua', 'nosip', 'recordplay', 'sip', 'textroom', 'videocall', 'voicemail'];
  const transports = ['http', 'mqtt', 'nanomsg', 'pfunix', 'rabbitmq'];
  writeFileSync(
    join(dir, 'janus.jcfg'),
    `general: { configs_folder = "${dir}", log_to_stdout = true, debug_level = 3, session_timeout = 60 }
media: { rtp_port_range = "${rtpMin}-${rtpMax}" }
nat: { ice_ignore_list = "vmnet" }
plugins: { disable = "${plugins.map((p) => `libjanus_${p}.so`).join(',')}" }
transports: { disable = "${transports.map((t) => `libjanus_${t}.so`).join(',')}" }
events: { broadcast = false }
loggers: { disable = "libjanus_jsonlog.so" }
`,
  );
  writeFileSync(join(dir, 'janus.transport.websockets.jcfg'), `general: { json = "indented", ws = true, ws_port = ${port}, ws_interface = "lo", ws_ip = "127.0.0.1", wss = false }\nadmin: { admin_ws = false }\n`);
  writeFileSync(join(dir, 'janus.plugin.videoroom.jcfg'), 'general: { }\n');
  writeFileSync(join(dir, 'janus.plugin.streaming.jcfg'), 'general: { }\n');
  return spawnListening(JANUS, ['-C', join(dir, 'janus.jcfg'), '-F', dir], 'janus', port, dir, `ws://127.0.0.1:${port}`);
}

/**
 * Start `binary`, keep the last 8,000 characters of its output, and resolve with its handle once
 * it accepts TCP connections on `port` (it owns the temp dir `dir`).
 */
async function spawnListening(binary, args, name, port, dir, url) {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk).slice(-8000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await waitListening(child, port, name, () => output);
  return handle(child, exited, dir, { url, port, output: () => output });
}

/**
 * The address relays are allocated on: the first non-loopback IPv4 address, where Janus gathers
 * its candidates (libnice leaves loopback out), so the relay can reach it; 127.0.0.1 when none.
 */
function relayAddress() {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/**
 * Start a coturn of the caller's own on a free loopback port with a TURN REST shared secret
 * (`use-auth-secret`): credentials are `user = expiry:id`, `credential = base64(HMAC-SHA1(secret, user))`.
 * It listens on 127.0.0.1; relays are allocated on `relayIp` (default: this host's first non-loopback
 * IPv4, the one Janus's candidates carry).
 * @param {{ secret: string, realm?: string, relayIp?: string }} options
 */
export async function startTurn(options) {
  const dir = mkdtempSync(join(tmpdir(), 'mwse-turn-'));
  const port = await freePort();
  const base = 40000 + Math.floor(Math.random() * 200) * 100;
  const args = [
    '-n', '--log-file=stdout', '--no-cli', '--no-tls', '--no-dtls',
    `--listening-port=${port}`, '--listening-ip=127.0.0.1', `--relay-ip=${options.relayIp ?? relayAddress()}`,
    `--min-port=${base}`, `--max-port=${base + 99}`,
    '--use-auth-secret', `--static-auth-secret=${options.secret}`, `--realm=${options.realm ?? 'mwse.test'}`,
    '--allow-loopback-peers', '--no-multicast-peers', '--fingerprint',
    `--pidfile=${join(dir, 'turn.pid')}`, `--userdb=${join(dir, 'turn.db')}`,
  ];
  return spawnListening(TURNSERVER, args, 'turnserver', port, dir, `turn:127.0.0.1:${port}?transport=udp`);
}
