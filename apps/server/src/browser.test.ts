import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { launchChromium } from '@mwse/testkit';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { startServer, type RunningServer } from './startServer.js';

/** The SDK the build copied from @mwse/client: the very files `npx @mwse/server` serves. */
const BUILT_SDK = fileURLToPath(new URL('../dist/sdk/', import.meta.url));
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A page that uses the SDK as the README shows it: a plain module script, no bundler. */
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>mwse</title>
<script type="module">
  import MWSE from '/sdk/index.js';
  const mwse = new MWSE();
  window.mwse = mwse;
  window.received = [];
  mwse.on('message', (pack, peer) => window.received.push({ pack, from: peer.socketId }));
  mwse.on('scope', () => { window.socketId = mwse.me.socketId; });
</script>`;

describe.each(['uws', 'ws'] as const)('the served SDK in Chromium (%s)', (transport) => {
  let browser: Browser;
  let server: RunningServer;
  let publicDir: string;

  beforeAll(async () => {
    if (!existsSync(join(BUILT_SDK, 'index.js'))) {
      throw new Error(`${BUILT_SDK}index.js is missing: build @mwse/client, then @mwse/server`);
    }
    publicDir = mkdtempSync(join(tmpdir(), 'mwse-page-'));
    writeFileSync(join(publicDir, 'index.html'), PAGE);
    server = await startServer({
      ...loadConfig({ MWSE_STORE: 'memory' }),
      host: '127.0.0.1',
      port: 0,
      transport,
      publicDir,
      sdkDir: BUILT_SDK,
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (publicDir) rmSync(publicDir, { recursive: true, force: true });
  });

  async function openPage() {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`http://127.0.0.1:${server.port}/`);
    const handle = await page.waitForFunction(() => (window as { socketId?: string }).socketId, undefined, {
      timeout: 10_000,
    });
    expect(errors).toEqual([]);
    return { page, socketId: (await handle.jsonValue()) as string };
  }

  it('loads /sdk/index.js in a module script and gets a socketId', async () => {
    const { page, socketId } = await openPage();
    expect(socketId).toMatch(UUID_V4);
    await page.close();
  });

  it('carries a direct message between two pages', async () => {
    const a = await openPage();
    const b = await openPage();
    await a.page.evaluate(() => (window as unknown as { mwse: { disablePairAuth(): Promise<void> } }).mwse.disablePairAuth());
    await b.page.evaluate((to) => {
      const { mwse } = window as unknown as { mwse: { peer(id: string): { send(pack: unknown): void } } };
      mwse.peer(to).send({ text: 'hello from b' });
    }, a.socketId);
    const received = await a.page.waitForFunction(() => {
      const list = (window as unknown as { received: unknown[] }).received;
      return list.length > 0 ? list : undefined;
    });
    expect(await received.jsonValue()).toEqual([{ pack: { text: 'hello from b' }, from: b.socketId }]);
    await Promise.all([a.page.close(), b.page.close()]);
  });
});
