import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '@mwse/testkit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { startServer, type RunningServer } from './startServer.js';

/** The SDK the build assembled: the very files `npx @mwse/server` serves. */
const BUILT_SDK = fileURLToPath(new URL('../dist/sdk/', import.meta.url));

/**
 * The first snippet of the project's seed README, as written there (only the server's address
 * differs: the test server listens on a free port of 127.0.0.1, not on localhost:7707).
 */
const seedPage = (sdkUrl: string) => `<!doctype html>
<meta charset="utf-8">
<title>someone else's site</title>
<script type="module">
  import MWSE from '${sdkUrl}';

  const mwse = new MWSE(); // endpoint: otomatik aynı sunucudan

  mwse.on('scope', async () => {
    console.log('Bağlandı:', mwse.me.socketId);
    const room = mwse.room({ name: 'genel', joinType: 'free', ifexistsJoin: true });
    await room.createRoom();
    room.on('message', (pack, peer) => console.log(peer.socketId, ':', pack));
    room.send({ text: 'merhaba!' });
  });
</script>`;

/** A second web server, on another port (so another origin), serving only that page. */
async function otherSite(html: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, origin: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
}

describe.each(['uws', 'ws'] as const)('the seed snippet on a page of another origin, in Chromium (%s)', (transport) => {
  let browser: Browser;
  let server: RunningServer;
  let site: { server: Server; origin: string };
  let publicDir: string;

  beforeAll(async () => {
    if (!existsSync(join(BUILT_SDK, 'index.js'))) {
      throw new Error(`${BUILT_SDK}index.js is missing: build @mwse/client, then @mwse/server`);
    }
    publicDir = mkdtempSync(join(tmpdir(), 'mwse-public-'));
    server = await startServer({ ...loadConfig({ MWSE_STORE: 'memory' }), host: '127.0.0.1', port: 0, transport, publicDir, sdkDir: BUILT_SDK });
    site = await otherSite(seedPage(`http://127.0.0.1:${server.port}/sdk/index.js`));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    site?.server.close();
    if (publicDir) rmSync(publicDir, { recursive: true, force: true });
  });

  /** Opens the page and collects what its console.log calls were given, as JSON values. */
  async function open(): Promise<{ page: Page; logs: unknown[][]; errors: string[] }> {
    const page = await browser.newPage();
    const logs: unknown[][] = [];
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'log') void Promise.all(message.args().map((a) => a.jsonValue())).then((args) => logs.push(args));
      else if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${site.origin}/`);
    return { page, logs, errors };
  }

  async function until<T>(find: () => T | undefined, what: string): Promise<T> {
    for (let i = 0; i < 200; i++) {
      const found = find();
      if (found !== undefined) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  it('imports the SDK across origins, connects to the server it came from, and exchanges a room message (regression: blocked by CORS, then connected to the page)', async () => {
    expect(site.origin).not.toBe(`http://127.0.0.1:${server.port}`);
    const a = await open();
    const aId = await until(() => a.logs.find((l) => l[0] === 'Bağlandı:')?.[1], 'page A to connect');
    const b = await open();
    const bId = await until(() => b.logs.find((l) => l[0] === 'Bağlandı:')?.[1], 'page B to connect');
    const got = await until(() => a.logs.find((l) => l[1] === ':'), "B's message to reach A");
    expect(got).toEqual([bId, ':', { text: 'merhaba!' }]);
    expect(aId).not.toBe(bId);
    // Both pages are peers of the MWSE server, not of the site that served them.
    expect(server.engine.hub.peer(aId as string)).toBeDefined();
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
    await Promise.all([a.page.close(), b.page.close()]);
  });
});
