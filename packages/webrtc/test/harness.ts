/**
 * A real MWSE engine on an ephemeral port, serving this package's browser builds the way the server
 * lays them out under /sdk/, and a headless Chromium with fake camera and microphone.
 */
import { readFile } from 'node:fs/promises';
import { launchChromium } from '@mwse/testkit';
import { createRequire } from 'node:module';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine, type Engine, type HttpResponse } from '@mwse/engine';
import type { Browser, BrowserContext, Page } from 'playwright-core';

const require = createRequire(import.meta.url);
const WEBRTC_BROWSER = fileURLToPath(new URL('../dist/browser/', import.meta.url));
const CLIENT_BROWSER = join(dirname(require.resolve('@mwse/client/package.json')), 'dist', 'browser');
const HELPERS = fileURLToPath(new URL('./pageHelpers.js', import.meta.url));

/** URL prefix → folder, as apps/server/scripts/copy-sdk.mjs assembles /sdk/. */
const MOUNTS: [string, string][] = [
  ['/sdk/client/', CLIENT_BROWSER],
  ['/sdk/', WEBRTC_BROWSER],
];

/** The page every test opens: the SDK as a plain module script, plus test helpers on `window.T`. */
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>mwse webrtc test</title>
<body>
<script type="module">
  import MWSE from '/sdk/index.js';
  import * as W from '/sdk/webrtc/index.js';
  import * as T from '/helpers.js';
  window.W = W;
  window.T = T;
  window.errors = [];
  const mwse = new MWSE();
  window.mwse = mwse;
  mwse.on('error', (error) => window.errors.push(String(error && error.stack || error)));
  mwse.on('scope', () => { window.socketId = mwse.me.socketId; });
</script>`;

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

async function serveFile(path: string): Promise<HttpResponse> {
  try {
    const body = await readFile(path);
    const type = TYPES[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream';
    return { status: 200, headers: { 'content-type': type, 'cache-control': 'no-store' }, body };
  } catch {
    return { status: 404, body: 'not found' };
  }
}

/** A test environment: server + browser. */
export interface Harness {
  engine: Engine;
  browser: Browser;
  origin: string;
  /** Opens `count` pages, each in its own browser context, scoped; the context closes with `close`. */
  open(count: number): Promise<TestPage[]>;
  close(): Promise<void>;
}

/** One connected page. */
export interface TestPage {
  page: Page;
  context: BrowserContext;
  socketId: string;
  /** Uncaught page errors and MWSE `error` events so far. */
  errors(): Promise<string[]>;
}

export async function startHarness(): Promise<Harness> {
  const engine = await createEngine({
    host: '127.0.0.1',
    port: 0,
    transport: 'auto',
    http: async (req) => {
      const path = req.path;
      if (path === '/' || path === '/index.html') {
        return { status: 200, headers: { 'content-type': TYPES['.html']! }, body: PAGE };
      }
      if (path === '/helpers.js') return serveFile(HELPERS);
      if (path.includes('..')) return { status: 400 };
      for (const [prefix, dir] of MOUNTS) {
        if (path.startsWith(prefix)) return serveFile(normalize(join(dir, path.slice(prefix.length))));
      }
      return undefined;
    },
  });
  const origin = `http://127.0.0.1:${engine.port}`;
  const browser = await launchChromium({ media: true });
  const contexts = new Set<BrowserContext>();

  async function openOne(): Promise<TestPage> {
    const context = await browser.newContext();
    contexts.add(context);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${origin}/`);
    const handle = await page.waitForFunction(() => (window as { socketId?: string }).socketId, undefined, {
      timeout: 10_000,
    });
    return {
      page,
      context,
      socketId: (await handle.jsonValue()) as string,
      errors: async () => [...pageErrors, ...(await page.evaluate(() => (window as unknown as { errors: string[] }).errors))],
    };
  }

  return {
    engine,
    browser,
    origin,
    open: (count) => Promise.all(Array.from({ length: count }, openOne)),
    async close() {
      for (const context of contexts) await context.close().catch(() => {});
      await browser.close();
      await engine.close();
    },
  };
}

/** Closes the contexts of `pages`. */
export async function closePages(pages: TestPage[]): Promise<void> {
  await Promise.all(pages.map((p) => p.context.close().catch(() => {})));
}
