import { existsSync, mkdirSync } from 'node:fs';
import { launchChromium } from '@mwse/testkit';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { MWSE } from '@mwse/client';
import { createEngine, type Engine, type HttpHandler } from '@mwse/engine';
import type { Browser, Locator, Page } from 'playwright-core';

/** Files the test server serves, as `@mwse/server` lays them out. */
const FILES: Record<string, string> = {
  '/sdk/index.js': '../node_modules/@mwse/client/dist/browser/index.js',
  '/sdk/studio/index.js': '../dist/browser/index.js',
  '/sdk/studio/style.css': '../dist/browser/style.css',
  '/demos/studio.html': '../../../apps/server/demos/studio.html',
};
const TYPES: Record<string, string> = { js: 'text/javascript', css: 'text/css', html: 'text/html' };

/** Where screenshots go (gitignored); look at them after a run. */
export const SCREENSHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));

const path = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

/**
 * Serves the client's and Studio's browser builds and the demo page, like `@mwse/server` does, and
 * any test `pages` (path → HTML).
 */
const serveFiles = (pages: Record<string, string>): HttpHandler => async (req) => {
  const html = pages[req.path];
  if (html !== undefined && req.method === 'GET') {
    return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: html };
  }
  const file = FILES[req.path];
  if (!file || req.method !== 'GET') return undefined;
  const type = TYPES[file.slice(file.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
  return { status: 200, headers: { 'content-type': `${type}; charset=utf-8` }, body: await readFile(path(file)) };
};

/** A real engine on an ephemeral port, a real Chromium, and Node peers made with the SDK. */
export interface Harness {
  readonly engine: Engine;
  readonly browser: Browser;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** A connected Node peer; `name` goes into its info. Closed by {@link closePeers}. */
  peer(name?: string): Promise<MWSE>;
  closePeers(): void;
  close(): Promise<void>;
}

/**
 * Starts the engine and the browser; fails early when a build is missing. `pages` are served too
 * (from the engine itself: Chromium refuses a page's WebSocket to 127.0.0.1 from a document that
 * did not come from there).
 */
export async function startHarness(pages: Record<string, string> = {}): Promise<Harness> {
  for (const file of Object.values(FILES)) {
    if (!existsSync(path(file))) throw new Error(`${path(file)} is missing: build @mwse/client and @mwse/studio first`);
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  const engine = await createEngine({ host: '127.0.0.1', port: 0, transport: 'ws', http: serveFiles(pages) });
  const browser = await launchChromium();
  const peers: MWSE[] = [];
  return {
    engine,
    browser,
    origin: `http://127.0.0.1:${engine.port}`,
    async peer(name) {
      const mwse = new MWSE({ endpoint: `ws://127.0.0.1:${engine.port}`, reconnect: false });
      peers.push(mwse);
      await mwse.scope();
      if (name) await mwse.me.info.set('name', name);
      return mwse;
    },
    closePeers() {
      for (const mwse of peers.splice(0)) mwse.close();
    },
    async close() {
      for (const mwse of peers.splice(0)) mwse.close();
      await browser.close();
      await engine.close();
    },
  };
}

/** An open Studio page. */
export interface StudioPage {
  readonly page: Page;
  /** Studio's own socket id. */
  readonly socketId: string;
  /** Errors thrown in the page. */
  readonly errors: string[];
  /** Paths the page requested. */
  readonly requests: string[];
  /** The open column showing `kind` (`root`, `rooms`, `room`, `peer`…). */
  column(kind: string): Locator;
  /** The row of `column` whose label is exactly `label`. */
  row(column: Locator, label: string): Locator;
  /** Labels of the visible rows of `column`, in order (group headings left out). */
  labels(column: Locator): Promise<string[]>;
}

/** Opens /demos/studio.html, the seed snippet as written, and waits until Studio is connected. */
export async function openStudio(harness: Harness, viewport = { width: 1280, height: 800 }): Promise<StudioPage> {
  const page = await harness.browser.newPage({ viewport });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('request', (request) => requests.push(new URL(request.url()).pathname));
  await page.goto(`${harness.origin}/demos/studio.html`);
  await page.locator('.mws-titlebar__state[data-state="online"]').waitFor();
  const root = page.locator('.mws-column[data-view="root"]');
  await root.waitFor();
  const socketId = (await page.locator('.mws-titlebar__me').getAttribute('data-socket-id')) ?? '';
  const row = (column: Locator, label: string) =>
    column.locator('.mws-item').filter({ has: page.locator('.mws-item__label', { hasText: new RegExp(`^${escape(label)}$`) }) });
  return {
    page,
    socketId,
    errors,
    requests,
    column: (kind) => page.locator(`.mws-column[data-view="${kind}"]`),
    row,
    labels: (column) => column.locator('.mws-item .mws-item__label').allTextContents(),
  };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Resolves once `check` returns a truthy value; rejects after `timeout` ms. */
export async function until<T>(check: () => T | Promise<T>, timeout = 5000): Promise<NonNullable<T>> {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > end) throw new Error(`condition not met after ${timeout} ms: ${check.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
