import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Text found only in files outside the served folders: seeing it in a response means a leak. */
export const SECRET = 'TOP-SECRET-8d1f';

/** A temp folder with a public dir, an SDK dir, and secrets around them to try to reach. */
export interface SiteFixture {
  root: string;
  publicDir: string;
  sdkDir: string;
  remove(): void;
}

/**
 * Lay out:
 * ```
 * root/package.json, root/secret.txt         secrets next to the public folder
 * root/outside/secret.txt                    target of the escaping symlinks
 * root/public/index.html, style.css, data.json, status.xml, .env (hidden)
 * root/public/docs/index.html, docs/page.txt
 * root/public/escape -> ../outside           symlinks out of the root: must not be served
 * root/public/leak.txt -> ../secret.txt
 * root/public/alias.txt -> docs/page.txt     symlink that stays inside: served
 * root/sdk/index.js, client/index.js, webrtc/index.js, studio/index.js, studio/style.css
 * ```
 */
export function createSiteFixture(): SiteFixture {
  const root = mkdtempSync(join(tmpdir(), 'mwse-site-'));
  const publicDir = join(root, 'public');
  const sdkDir = join(root, 'sdk');
  for (const dir of [publicDir, sdkDir, join(publicDir, 'docs'), join(root, 'outside'), ...['client', 'webrtc', 'studio'].map((d) => join(sdkDir, d))]) {
    mkdirSync(dir, { recursive: true });
  }
  const files: Record<string, string> = {
    'package.json': `{"name":"${SECRET}"}`,
    'secret.txt': SECRET,
    'outside/secret.txt': SECRET,
    'public/index.html': '<!doctype html><title>home</title>',
    'public/style.css': 'body { color: red }',
    'public/data.json': '{"ok":true}',
    'public/status.xml': '<status>ok</status>',
    'public/.env': SECRET,
    'public/docs/index.html': '<!doctype html><title>docs</title>',
    'public/docs/page.txt': 'a page',
    'sdk/index.js': 'export default class MWSE {}',
    'sdk/client/index.js': 'export class MWSE {}',
    'sdk/webrtc/index.js': 'export class RTCEngine {}',
    'sdk/studio/index.js': 'export default class Studio {}',
    'sdk/studio/style.css': '.mws-studio { color: white }',
  };
  for (const [path, content] of Object.entries(files)) writeFileSync(join(root, path), content);
  symlinkSync('../outside', join(publicDir, 'escape'));
  symlinkSync('../secret.txt', join(publicDir, 'leak.txt'));
  symlinkSync('docs/page.txt', join(publicDir, 'alias.txt'));
  return { root, publicDir, sdkDir, remove: () => rmSync(root, { recursive: true, force: true }) };
}
