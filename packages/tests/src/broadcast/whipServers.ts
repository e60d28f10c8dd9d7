/**
 * A real third-party WHIP server for the WHIP backend's live tests: Debian's Janus 1.1.2 with a
 * generated minimal config (VideoRoom only, WebSocket API on 127.0.0.1, free ports) and Debian's
 * simple-whip-server in front of it, run with our node from the tree `.ci/fetch-simple-whip-server`
 * extracts (its Debian `nodejs` dependency conflicts with Node 20, so it is never apt-installed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@mwse/testkit/net';

export const JANUS = process.env.JANUS_PATH ?? '/usr/bin/janus';
const JANUS_LIB = '/usr/lib/x86_64-linux-gnu/janus';
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const SIMPLE_WHIP_ROOT = process.env.MWSE_SIMPLE_WHIP_SERVER ?? join(repoRoot, '.cache/tools/simple-whip-server');
const SERVER_JS = join(SIMPLE_WHIP_ROOT, 'usr/share/simple-whip-server/src');

/** What is missing to run the live WHIP tests here (empty when both are present). */
export function missingWhipTools(): string[] {
  const missing: string[] = [];
  if (!existsSync(JANUS)) missing.push(JANUS);
  if (!existsSync(join(SERVER_JS, 'server.js'))) missing.push(`${SERVER_JS}/server.js (run .ci/fetch-simple-whip-server)`);
  return missing;
}

export interface Proc {
  process: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }, ready: RegExp, ms: number): Promise<Proc> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  // Keep the tail only: Janus is chatty and a long test must not grow this without bound.
  const append = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-64 * 1024);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const proc: Proc = {
    process: child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
  return new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => {
      void proc.stop('SIGKILL');
      reject(new Error(`${command} not ready in ${ms} ms:\n${output.slice(-2000)}`));
    }, ms);
    const check = (): void => {
      if (ready.test(output)) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        child.stderr!.off('data', check);
        resolveReady(proc);
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code ?? signal}) before it was ready:\n${output.slice(-2000)}`));
    });
  });
}

export interface WhipStack {
  /** simple-whip-server's origin, e.g. http://127.0.0.1:41234 */
  origin: string;
  janus: Proc;
  whip: Proc;
  /** VideoRoom room every endpoint publishes into. */
  room: number;
  /** simple-whip-server's own API: an endpoint (one publisher at a time) with a bearer token. */
  createEndpoint(id: string, token?: string): Promise<void>;
  endpoints(): Promise<Array<{ id: string; enabled: boolean }>>;
  close(): Promise<void>;
}

export async function startWhipStack(): Promise<WhipStack> {
  const dir = mkdtempSync(join(tmpdir(), 'mwse-whip-'));
  const cfg = join(dir, 'cfg');
  for (const sub of ['cfg', 'plugins', 'transports', 'events', 'loggers', 'src']) mkdirSync(join(dir, sub));
  // Only the plugins this needs: Janus loads whatever is in its plugin folders.
  link(join(JANUS_LIB, 'plugins/libjanus_videoroom.so'), join(dir, 'plugins/libjanus_videoroom.so'));
  link(join(JANUS_LIB, 'transports/libjanus_websockets.so'), join(dir, 'transports/libjanus_websockets.so'));
  const wsPort = await freePort();
  const room = 4242;
  writeFileSync(
    join(cfg, 'janus.jcfg'),
    `general: {
  configs_folder = "${cfg}"
  plugins_folder = "${dir}/plugins"
  transports_folder = "${dir}/transports"
  events_folder = "${dir}/events"
  loggers_folder = "${dir}/loggers"
  debug_level = 4
}
media: { rtp_port_range = "20000-40000" }
nat: { ice_ignore_list = "vmnet" }
`,
  );
  writeFileSync(join(cfg, 'janus.transport.websockets.jcfg'), `general: { json = "plain" ws = true ws_port = ${wsPort} ws_ip = "127.0.0.1" wss = false }\nadmin: { admin_ws = false }\n`);
  writeFileSync(join(cfg, 'janus.plugin.videoroom.jcfg'), `general: { }\nroom-${room}: { description = "mwse whip" publishers = 16 videocodec = "vp8" audiocodec = "opus" }\n`);
  let janus: Proc;
  try {
    janus = await run(JANUS, ['-C', join(cfg, 'janus.jcfg'), '-F', cfg], { cwd: dir }, /Websockets server started/i, 20_000);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  // simple-whip-server reads ./config.js next to server.js: run a copy of its two files with ours.
  for (const file of ['server.js', 'whip-janus.js']) copyFileSync(join(SERVER_JS, file), join(dir, 'src', file));
  const httpPort = await freePort();
  writeFileSync(
    join(dir, 'src/config.js'),
    `module.exports = { janus: { address: 'ws://127.0.0.1:${wsPort}' }, port: ${httpPort}, rest: '/whip', allowTrickle: true, strictETags: false, iceServers: [] };\n`,
  );
  const libs = readdirSync(join(SIMPLE_WHIP_ROOT, 'usr/lib'))
    .map((arch) => join(SIMPLE_WHIP_ROOT, 'usr/lib', arch, 'nodejs'))
    .filter((path) => existsSync(path));
  const env = { ...process.env, NODE_PATH: [join(SIMPLE_WHIP_ROOT, 'usr/share/nodejs'), ...libs].join(':'), DEBUG: 'whip:*' };
  let whip: Proc;
  try {
    whip = await run(process.execPath, ['src/server.js'], { cwd: dir, env }, /WHIP server prototype started/, 20_000);
  } catch (error) {
    await janus.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const origin = `http://127.0.0.1:${httpPort}`;
  return {
    origin,
    janus,
    whip,
    room,
    async createEndpoint(id, token) {
      const res = await fetch(`${origin}/whip/create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id, room, ...(token ? { token } : {}) }),
        signal: AbortSignal.timeout(5000),
      });
      if (res.status !== 200) throw new Error(`create endpoint ${id}: ${res.status} ${await res.text()}`);
    },
    async endpoints() {
      const res = await fetch(`${origin}/whip/endpoints`, { signal: AbortSignal.timeout(5000) });
      return (await res.json()) as Array<{ id: string; enabled: boolean }>;
    },
    async close() {
      await whip.stop();
      await janus.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function link(target: string, path: string): void {
  // A symlink keeps the .so where Debian put it (its own dependencies resolve from there).
  rmSync(path, { force: true });
  symlinkSync(target, path);
}
