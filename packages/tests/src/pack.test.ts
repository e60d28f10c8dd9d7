/**
 * Packs the six published packages the way `pnpm publish` would, installs the tarballs with npm
 * into an empty project, and uses them from there as a stranger would: `npx mwse-server`,
 * `import` and `require` of @mwse/client, the browser bundles, and publint on each tarball.
 * Nothing of the workspace leaks in: no symlinks, no workspace: ranges, no devDependencies.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const PACKAGES = {
  '@mwse/protocol': 'packages/protocol',
  '@mwse/engine': 'packages/engine',
  '@mwse/client': 'packages/client',
  '@mwse/webrtc': 'packages/webrtc',
  '@mwse/studio': 'packages/studio',
  '@mwse/server': 'apps/server',
} as const;
type PackageName = keyof typeof PACKAGES;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const INSTALL_TIMEOUT = 240_000;

/**
 * The environment without what pnpm and turbo set for their scripts (npm_config_*, npm_package_*,
 * MWSE_*, BRIDGE_*), which would change how npm installs or how the server starts.
 */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(npm_|pnpm_|MWSE_|BRIDGE_)/i.test(name) && name !== 'INIT_CWD'),
  );
  return { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...extra };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** `pnpm pack` one package into `dest`; returns the tarball's path. */
async function pack(dir: string, dest: string): Promise<string> {
  const before = new Set(readdirSync(dest));
  await run('pnpm', ['pack', '--pack-destination', dest], { cwd: join(REPO, dir), env: cleanEnv() });
  const created = readdirSync(dest).filter((f) => f.endsWith('.tgz') && !before.has(f));
  if (created.length !== 1) throw new Error(`pnpm pack in ${dir} made ${created.join(', ') || 'nothing'}`);
  return join(dest, created[0]!);
}

/** Start a command in its own process group, so the whole group (npx and the server) can be signalled. */
function startGroup(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const waitFor = (pattern: RegExp, timeout: number) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${pattern} after ${timeout}ms; stdout: ${stdout}; stderr: ${stderr}`)), timeout);
      const check = () => {
        // Only whole lines: a line can arrive in several chunks.
        const match = stdout.split('\n').slice(0, -1).map((line) => pattern.exec(line)).find(Boolean);
        if (match) {
          clearTimeout(timer);
          resolve(match);
        }
      };
      child.stdout!.on('data', check);
      void exited.then(() => reject(new Error(`exited; stdout: ${stdout}; stderr: ${stderr}`)));
    });
  return { child, exited, waitFor, output: () => ({ stdout, stderr }) };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Every .js file under `dir`. */
function jsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.js'))
    .map((f) => join(dir, f));
}

describe('the packed packages, installed with npm into an empty project', () => {
  let work: string;
  let project: string;
  const tarballs = {} as Record<PackageName, string>;
  let server: ReturnType<typeof startGroup>;
  let port: number;
  let startupLine: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'mwse-pack-'));
    project = join(work, 'project');
    mkdirSync(project);
    for (const [name, dir] of Object.entries(PACKAGES)) tarballs[name as PackageName] = await pack(dir, work);

    // overrides: the @mwse/* dependencies between the packages resolve to these tarballs too,
    // never to whatever the registry holds under those names.
    const local = Object.fromEntries(Object.entries(tarballs).map(([name, file]) => [name, `file:${file}`]));
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'mwse-pack-check', version: '1.0.0', private: true, dependencies: local, overrides: local }, null, 2),
    );
    await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: project,
      env: cleanEnv(),
      timeout: INSTALL_TIMEOUT - 30_000,
    });

    port = await freePort();
    server = startGroup('npx', ['--no', 'mwse-server'], project, cleanEnv({ MWSE_HOST: '127.0.0.1', MWSE_PORT: String(port) }));
    [startupLine] = await server.waitFor(/^mwse-server .* listening on .*$/, 20_000);
  }, INSTALL_TIMEOUT);

  afterAll(async () => {
    if (server) {
      signalGroup(server.child, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(server.child, 'SIGKILL'), 15_000);
      await server.exited;
      clearTimeout(timer);
    }
    if (work) rmSync(work, { recursive: true, force: true });
  }, 30_000);

  it('`npx mwse-server` starts on uWebSockets.js and prints its start-up line', async () => {
    expect(startupLine).toBe(`mwse-server 0.1.0 listening on ws://127.0.0.1:${port} (transport: uws)`);
    const sdk = await fetch(`http://127.0.0.1:${port}/sdk/index.js`);
    expect(sdk.status).toBe(200);
    expect(sdk.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it.each([
    ['import', 'connect.mjs', "import * as client from '@mwse/client';"],
    ['require', 'connect.cjs', "const client = require('@mwse/client');"],
  ])('@mwse/client works through %s', async (_how, file, load) => {
    writeFileSync(
      join(project, file),
      `${load}
const MWSE = client.MWSE ?? client.default;
const mwse = new MWSE({ endpoint: process.env.ENDPOINT });
const timer = setTimeout(() => { console.error('no scope after 10s'); process.exit(2); }, 10_000);
mwse.on('scope', () => {
  clearTimeout(timer);
  console.log(mwse.me.socketId);
  mwse.close();
});
`,
    );
    const { stdout } = await run(process.execPath, [file], {
      cwd: project,
      env: cleanEnv({ ENDPOINT: `ws://127.0.0.1:${port}` }),
      timeout: 20_000,
    });
    expect(stdout.trim()).toMatch(UUID);
  });

  it.each([
    ['@mwse/client', 'node_modules/@mwse/client/dist/browser'],
    ['@mwse/server', 'node_modules/@mwse/server/dist/sdk'],
  ])('the browser bundle in %s does not contain ws or Node built-ins', (_name, dir) => {
    const files = jsFiles(join(project, dir));
    expect(files.map((f) => f.slice(project.length + 1))).toContain(`${dir}/index.js`);
    for (const file of files) {
      const code = readFileSync(file, 'utf8');
      expect(code, file).not.toMatch(/\bfrom\s*["']ws["']|(?:require|import)\s*\(\s*["']ws["']\s*\)/);
      expect(code, file).not.toMatch(/["']node:[a-z_/]+["']/);
      // Internals of the ws package, in case a bundler inlined it instead of importing it.
      expect(code, file).not.toMatch(/PerMessageDeflate|permessage-deflate|Sec-WebSocket-Key/i);
    }
  });

  // The packages said MIT but shipped no licence text, and @mwse/studio went out as 0.0.0.
  it.each(Object.keys(PACKAGES))('%s ships the MIT LICENSE and the same, real version as the others', async (name) => {
    const tarball = tarballs[name as PackageName];
    const { stdout: listing } = await run('tar', ['-tzf', tarball]);
    expect(listing.split('\n')).toContain('package/LICENSE');
    const { stdout: license } = await run('tar', ['-xOzf', tarball, 'package/LICENSE']);
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) 2026 MWSE contributors\n/);
    const { stdout: manifest } = await run('tar', ['-xOzf', tarball, 'package/package.json']);
    const { version, license: declared } = JSON.parse(manifest) as { version: string; license: string };
    expect(declared).toBe('MIT');
    expect(version).not.toBe('0.0.0');
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    const server = JSON.parse(readFileSync(join(project, 'node_modules/@mwse/server/package.json'), 'utf8')) as { version: string };
    expect(version).toBe(server.version);
  });

  it.each(Object.keys(PACKAGES))('publint finds nothing to report in %s', async (name) => {
    const { stdout } = await run('npx', ['--no', 'publint', 'run', tarballs[name as PackageName], '--strict'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: cleanEnv(),
    });
    expect(stdout).toContain('All good!');
  });
});
