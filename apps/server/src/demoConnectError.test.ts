import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '@mwse/testkit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { startServer, type RunningServer } from './startServer.js';

/** The SDK the build assembled: the very files `npx @mwse/server` serves. */
const BUILT_SDK = fileURLToPath(new URL('../dist/sdk/', import.meta.url));

// The server admits only another origin, so every handshake from its own demo pages gets 403: the
// page cannot see the status (browsers hide it), only that the attempt failed.
describe.each(['uws', 'ws'] as const)('the demos when the server refuses the page, in Chromium (%s)', (transport) => {
  let browser: Browser;
  let server: RunningServer;

  beforeAll(async () => {
    if (!existsSync(join(BUILT_SDK, 'index.js'))) {
      throw new Error(`${BUILT_SDK}index.js is missing: build @mwse/client, then @mwse/server`);
    }
    server = await startServer({
      ...loadConfig({ MWSE_ALLOWED_ORIGINS: 'https://only-this.example', MWSE_STORE: 'memory' }),
      host: '127.0.0.1',
      port: 0,
      transport,
      sdkDir: BUILT_SDK,
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(path: string): Promise<{ page: Page; errors: string[]; failed: string[] }> {
    const page = await browser.newPage();
    const errors: string[] = [];
    const failed: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('response', (response) => {
      if (response.status() >= 400) failed.push(`${response.status()} ${new URL(response.url()).pathname}`);
    });
    await page.goto(`http://127.0.0.1:${server.port}${path}`);
    return { page, errors, failed };
  }

  it('chat says it cannot connect instead of "connecting…" forever (regression: no event, no message)', async () => {
    const { page, errors, failed } = await open('/demos/chat.html');
    const status = page.locator('#status');
    await status.filter({ hasText: 'cannot connect: server unreachable, or it refused this page' }).waitFor({ timeout: 10_000 });
    expect(await status.getAttribute('title')).toMatch(/^cannot connect to ws:\/\/127\.0\.0\.1:\d+\/: /);
    expect(await status.getAttribute('class')).toBe('error');
    expect(errors).toEqual([]);
    expect(failed).toEqual([]); // the icon included
    await page.close();
  });

  it.each(['/demos/audio.html', '/demos/video.html'])('%s says it cannot connect', async (path) => {
    const { page, errors } = await open(path);
    await page.locator('#status', { hasText: 'cannot connect' }).waitFor({ timeout: 10_000 });
    expect(errors.filter((e) => !/microphone|camera|getUserMedia|NotFound|NotAllowed/i.test(e))).toEqual([]);
    await page.close();
  });

  it("Studio's title bar says it cannot connect", async () => {
    const { page, errors, failed } = await open('/demos/studio.html');
    const state = page.locator('.mws-titlebar__state[data-state="failed"]');
    await state.filter({ hasText: 'Cannot connect' }).waitFor({ timeout: 10_000 });
    expect(await state.getAttribute('title')).toMatch(/^cannot connect to ws:\/\//);
    expect(errors).toEqual([]);
    expect(failed).toEqual([]);
    await page.close();
  });
});
