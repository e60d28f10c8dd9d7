import { existsSync } from 'node:fs';
import { launchChromium } from '@mwse/testkit';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { startServer, type RunningServer } from './startServer.js';

/** The SDK the build copied from @mwse/client: the very files `npx @mwse/server` serves. */
const BUILT_SDK = fileURLToPath(new URL('../dist/sdk/', import.meta.url));

describe.each(['uws', 'ws'] as const)('the chat demo in Chromium (%s)', (transport) => {
  let browser: Browser;
  let server: RunningServer;

  beforeAll(async () => {
    if (!existsSync(join(BUILT_SDK, 'index.js'))) {
      throw new Error(`${BUILT_SDK}index.js is missing: build @mwse/client, then @mwse/server`);
    }
    server = await startServer({ ...loadConfig({ MWSE_STORE: 'memory' }), host: '127.0.0.1', port: 0, transport, sdkDir: BUILT_SDK });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Open the demo as a person would: type a name and a room, press Join. */
  async function enter(name: string, room: string): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`http://127.0.0.1:${server.port}/demos/chat.html`);
    await page.locator('#status', { hasText: 'connected' }).waitFor({ timeout: 10_000 });
    await page.fill('#name', name);
    await page.fill('#room', room);
    await page.click('#join button');
    await page.locator('#log li', { hasText: `${room}` }).first().waitFor({ timeout: 10_000 });
    return { page, errors };
  }

  async function say(page: Page, text: string): Promise<void> {
    await page.fill('#text', text);
    await page.press('#text', 'Enter');
  }

  it('carries messages both ways between two pages in one room, as text, and shows who joined', async () => {
    const room = `tea-${transport}`;
    const ada = await enter('Ada', room);
    const bob = await enter('<img src=x onerror="window.owned=1">', room);
    await ada.page.locator('#log li.event', { hasText: 'joined' }).nth(1).waitFor({ timeout: 10_000 });
    await say(ada.page, 'hello from Ada');
    await bob.page.locator('#log li', { hasText: 'Ada hello from Ada' }).waitFor({ timeout: 10_000 });
    await say(bob.page, '<b id="injected">hi Ada</b>');
    await ada.page.locator('#log li', { hasText: '<b id="injected">hi Ada</b>' }).waitFor({ timeout: 10_000 });
    // Names and messages are shown as text, never run as markup.
    expect(await ada.page.locator('#injected').count()).toBe(0);
    expect(await ada.page.evaluate(() => (window as { owned?: number }).owned)).toBeUndefined();
    // Each sees its own line once, marked as its own.
    expect(await ada.page.locator('#log li.mine').allTextContents()).toEqual(['Ada hello from Ada']);
    expect(ada.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
    await Promise.all([ada.page.close(), bob.page.close()]);
  });

  it('keeps rooms apart', async () => {
    const ada = await enter('Ada', `north-${transport}`);
    const cy = await enter('Cy', `south-${transport}`);
    await say(ada.page, 'only for the north');
    await say(cy.page, 'only for the south');
    await ada.page.locator('#log li.mine').waitFor();
    await cy.page.locator('#log li.mine').waitFor();
    await cy.page.waitForTimeout(150);
    expect(await cy.page.locator('#log li', { hasText: 'only for the north' }).count()).toBe(0);
    expect(await ada.page.locator('#log li', { hasText: 'only for the south' }).count()).toBe(0);
    await Promise.all([ada.page.close(), cy.page.close()]);
  });
});
