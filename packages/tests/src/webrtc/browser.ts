/**
 * The real server (as `npx @mwse/server` runs it: built SDK in dist/sdk, shipped demos) on an
 * ephemeral port, with a public folder of test pages, and headless Chromium with fake media.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { launchChromium } from '@mwse/testkit';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, startServer, type RunningServer } from '@mwse/server';
import type { Browser, BrowserContext, Page } from 'playwright-core';

export interface BrowserServer {
  server: RunningServer;
  browser: Browser;
  origin: string;
  /** Opens `path` in a new browser context (its own fake devices and permissions). */
  open(path: string): Promise<{ page: Page; context: BrowserContext; errors: string[] }>;
  close(): Promise<void>;
}

/** `env`: extra `MWSE_*` settings for the server, read as `mwse-server` reads its environment. */
export async function startBrowserServer(pages: Record<string, string>, env: Record<string, string> = {}): Promise<BrowserServer> {
  const publicDir = mkdtempSync(join(tmpdir(), 'mwse-webrtc-pages-'));
  for (const [name, html] of Object.entries(pages)) writeFileSync(join(publicDir, name), html);
  // sdkDir stays the default: the SDK the server's build assembled, as published.
  const server = await startServer({ ...loadConfig({ MWSE_STORE: 'memory', ...env }), host: '127.0.0.1', port: 0, publicDir });
  const browser = await launchChromium({ media: true });
  const contexts: BrowserContext[] = [];
  const origin = `http://127.0.0.1:${server.port}`;
  return {
    server,
    browser,
    origin,
    async open(path) {
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      // Console errors, but a missing resource by its URL below (the browser asks for /favicon.ico).
      page.on('console', (message) => {
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
      });
      page.on('response', (response) => {
        if (response.status() >= 400 && !response.url().endsWith('/favicon.ico')) {
          errors.push(`${response.status()} ${response.url()}`);
        }
      });
      await page.goto(origin + path);
      return { page, context, errors };
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => {});
      await browser.close();
      await server.close();
      rmSync(publicDir, { recursive: true, force: true });
    },
  };
}
