import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@mwse/testkit/net';


/** The nginx the tests run: Debian's `nginx-light`. */
export const NGINX = '/usr/sbin/nginx';

/** The site configuration docs/deploy.md shows, read from the one file both use. */
export const NGINX_TEMPLATE_URL = new URL('../../../../docs/deploy/nginx.conf', import.meta.url);


/** Replace the one line matching `pattern`; throws when the template has none or several. */
function replaceOnce(text: string, pattern: RegExp, replacement: string): string {
  const hits = text.match(new RegExp(pattern.source, 'gm'))?.length ?? 0;
  if (hits !== 1) throw new Error(`docs/deploy/nginx.conf: expected one ${pattern}, found ${hits}`);
  return text.replace(new RegExp(pattern.source, 'm'), replacement);
}

/** The cluster recipe of docs/cluster.md: several nodes in one upstream. */
export const NGINX_CLUSTER_TEMPLATE_URL = new URL('../../../../docs/deploy/nginx-cluster.conf', import.meta.url);

/** What the template needs changed to run here: ports and files, nothing else. */
export interface NginxSite {
  /** Port of the MWSE server (replaces `127.0.0.1:7707`). */
  upstreamPort?: number;
  /**
   * With {@link template} the cluster recipe: ports of the nodes, replacing the address of each
   * `server <address>` line of the upstream in order (the counts must match).
   */
  upstreamPorts?: number[];
  /** The configuration file (default: docs/deploy/nginx.conf). */
  template?: URL;
  /** Port nginx listens on at 127.0.0.1 (replaces `listen 443 ssl`). */
  listenPort: number;
  certFile: string;
  keyFile: string;
  /** Further edits for one test (e.g. a shorter timeout). */
  edit?: (site: string) => string;
}

/** The template with this machine's ports and certificate in place of the documented ones. */
export function siteConfig(site: NginxSite): string {
  let text = readFileSync(site.template ?? NGINX_TEMPLATE_URL, 'utf8');
  if (site.upstreamPort !== undefined) {
    text = replaceOnce(text, /^(\s*)server 127\.0\.0\.1:7707;/, `$1server 127.0.0.1:${site.upstreamPort};`);
  }
  if (site.upstreamPorts) {
    const ports = [...site.upstreamPorts];
    const servers = text.match(/^\s*server \S+:\d+\b/gm)?.length ?? 0;
    if (servers !== ports.length) throw new Error(`the template has ${servers} upstream servers, ${ports.length} ports given`);
    text = text.replace(/^(\s*)server \S+:\d+\b/gm, (_line, indent: string) => `${indent}server 127.0.0.1:${ports.shift()}`);
  }
  text = replaceOnce(text, /^(\s*)listen 443 ssl;/, `$1listen 127.0.0.1:${site.listenPort} ssl;`);
  text = replaceOnce(text, /^(\s*)ssl_certificate (\s*)\S+;/, `$1ssl_certificate $2${site.certFile};`);
  text = replaceOnce(text, /^(\s*)ssl_certificate_key \S+;/, `$1ssl_certificate_key ${site.keyFile};`);
  return site.edit ? site.edit(text) : text;
}

/** A running nginx, started by {@link startNginx}. */
export interface RunningNginx {
  port: number;
  /** Stop it (SIGTERM to the master this test started) and delete its folder. */
  stop(): Promise<void>;
}

/** Resolve once something accepts TCP connections on `port`, within `ms`. */
async function waitForPort(port: number, ms: number, exited: () => string | undefined): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const failed = exited();
    if (failed !== undefined) throw new Error(`nginx exited: ${failed}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nginx did not listen on ${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Start nginx in the foreground on a free port with the documented site, everything it writes
 * (pid, logs, temp files) kept in a temp folder.
 */
export async function startNginx(site: Omit<NginxSite, 'listenPort'>): Promise<RunningNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'mwse-nginx-'));
  mkdirSync(join(dir, 'logs'));
  const listenPort = await freePort();
  const paths = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((name) => `    ${name}_temp_path ${join(dir, name)};`)
    .join('\n');
  const main = [
    'daemon off;',
    'worker_processes 1;',
    // As root nginx would hand its workers to "nobody", who cannot enter the temp folder.
    ...(process.getuid?.() === 0 ? ['user root;'] : []),
    `pid ${join(dir, 'nginx.pid')};`,
    `error_log ${join(dir, 'logs', 'error.log')} info;`,
    'events { worker_connections 256; }',
    'http {',
    `    access_log ${join(dir, 'logs', 'access.log')};`,
    paths,
    siteConfig({ ...site, listenPort }),
    '}',
    '',
  ].join('\n');
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, main);
  const args = ['-p', dir, '-c', conf, '-e', join(dir, 'logs', 'error.log')];
  const child = spawn(NGINX, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let exit: string | undefined;
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = `${code ?? signal}: ${stderr}`;
      resolve();
    }),
  );
  child.once('error', (error) => {
    exit = error.message;
  });
  const stop = async () => {
    if (exit === undefined) {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(listenPort, 10_000, () => exit);
  } catch (error) {
    const log = (() => {
      try {
        return readFileSync(join(dir, 'logs', 'error.log'), 'utf8');
      } catch {
        return '';
      }
    })();
    await stop();
    throw new Error(`${(error as Error).message}\n${log}`);
  }
  return { port: listenPort, stop };
}
