/**
 * Studio styles itself. The seed's Studio snippet has no stylesheet link, and Studio used to need
 * one: mounted as written it rendered as bare HTML lists. These pages run the snippet in real
 * Chromium and read computed styles of Studio's elements.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.js';

/** The seed README's Studio snippet, unchanged. */
const SNIPPET = `import MWSE from '/sdk/index.js';
import Studio from '/sdk/studio/index.js';

const mwse = new MWSE();
const studio = new Studio(mwse, '#app');
mwse.on('scope', () => studio.mount());`;

function page(head: string, body = '<div id="app"></div>', script = SNIPPET): string {
  return `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">${head}</head>
<body>${body}<script type="module">${script}</script></body></html>`;
}

/** Rules of Studio's theme applied to the page, counted by one rule only it has, per sheet. */
const COUNT_COPIES = `(() => {
  let copies = 0;
  const walk = (rules) => {
    for (const rule of rules) {
      if (rule.selectorText === ':where(.mws-studio) .mws-titlebar') copies++;
      if (rule.cssRules) walk(rule.cssRules);
    }
  };
  const sheets = [...document.styleSheets];
  for (const host of document.querySelectorAll('*')) if (host.shadowRoot) sheets.push(...host.shadowRoot.styleSheets);
  for (const sheet of sheets) walk(sheet.cssRules);
  return copies;
})()`;

describe('Studio brings its theme', () => {
  let harness: Harness;
  let tab: Page | undefined;
  const errors: string[] = [];
  const pages: Record<string, string> = {};
  beforeAll(async () => {
    harness = await startHarness(pages);
  });
  afterAll(async () => {
    await harness?.close();
  });

  /** Serves `html` from the test server, opens it and waits for `selector` (Studio's root column). */
  async function open(html: string, selector = '.mws-column[data-view="root"]'): Promise<Page> {
    await tab?.close();
    errors.length = 0;
    tab = await harness.browser.newPage({ viewport: { width: 1280, height: 800 } });
    tab.on('pageerror', (error) => errors.push(error.message));
    const path = `/style-test-${Object.keys(pages).length}.html`;
    pages[path] = html;
    await tab.goto(`${harness.origin}${path}`);
    await tab.locator(selector).first().waitFor();
    return tab;
  }

  const computed = (p: Page, selector: string, property: string) =>
    p.locator(selector).first().evaluate((el, prop) => getComputedStyle(el).getPropertyValue(prop), property);

  it('the seed snippet as written (no <link>) renders styled: one injected <style>, the dark theme applied', async () => {
    const p = await open(page('<style>html, body { margin: 0 }</style>'));
    expect(await p.evaluate(() => document.querySelectorAll('style[data-mws-studio-style]').length)).toBe(1);
    expect(await p.evaluate(COUNT_COPIES)).toBe(1);
    // Bare lists would be display: block, transparent, with bullets; the theme makes a dark flex app.
    expect(await computed(p, '.mws-studio', 'display')).toBe('flex');
    expect(await computed(p, '.mws-studio', 'background-color')).toBe('rgb(19, 20, 24)');
    expect(await computed(p, '.mws-studio', 'color')).toBe('rgb(230, 232, 236)');
    expect(await computed(p, '.mws-titlebar', 'height')).toBe('40px');
    expect(await computed(p, '.mws-columns', 'display')).toBe('flex');
    expect(await computed(p, '.mws-column', 'width')).toBe('272px');
    expect(await computed(p, '.mws-column__list', 'list-style-type')).toBe('none');
    expect(await computed(p, '.mws-item', 'display')).toBe('flex');
    expect(errors).toEqual([]);
  });

  it('with the <link> to /sdk/studio/style.css present, exactly one copy of the rules applies', async () => {
    const p = await open(page('<link rel="stylesheet" href="/sdk/studio/style.css">'));
    expect(await p.evaluate(() => document.querySelectorAll('style[data-mws-studio-style]').length)).toBe(0);
    expect(await p.evaluate(COUNT_COPIES)).toBe(1);
    expect(await computed(p, '.mws-studio', 'display')).toBe('flex');
    expect(await computed(p, '.mws-titlebar', 'height')).toBe('40px');
    expect(errors).toEqual([]);
  });

  it('several Studio instances share one <style>, and remounting adds none', async () => {
    const script = `import MWSE from '/sdk/index.js';
import Studio from '/sdk/studio/index.js';
const mwse = new MWSE();
const studios = [new Studio(mwse, '#one'), new Studio(mwse, '#two')];
mwse.on('scope', () => {
  for (const s of studios) s.mount();
  studios[0].unmount();
  studios[0].mount();
  window.mounted = true;
});`;
    const p = await open(page('', '<div id="one"></div><div id="two"></div>', script));
    await p.waitForFunction(() => (window as any).mounted);
    expect(await p.locator('.mws-studio').count()).toBe(2);
    expect(await p.evaluate(() => document.querySelectorAll('style[data-mws-studio-style]').length)).toBe(1);
    expect(await p.evaluate(COUNT_COPIES)).toBe(1);
    expect(await computed(p, '#two .mws-studio', 'display')).toBe('flex');
    expect(errors).toEqual([]);
  });

  it("stays inside Studio, and the page's own CSS wins: custom properties and plain class rules", async () => {
    const head = `<style>
  .mws-studio { --mws-bg: rgb(1, 2, 3); }
  .mws-titlebar { height: 50px; }
  ul { list-style-type: square; }
  button { background-color: rgb(9, 9, 9); }
</style>`;
    const body = '<ul id="outside"><li>page</li></ul><button id="page-button">page</button><div id="app"></div>';
    const p = await open(page(head, body));
    expect(await computed(p, '.mws-studio', 'background-color')).toBe('rgb(1, 2, 3)');
    expect(await computed(p, '.mws-titlebar', 'height')).toBe('50px');
    // The theme touches nothing of the page outside Studio…
    expect(await computed(p, '#outside', 'list-style-type')).toBe('square');
    expect(await computed(p, '#page-button', 'background-color')).toBe('rgb(9, 9, 9)');
    expect(await computed(p, 'body', 'box-sizing')).toBe('content-box');
    // …and the page's element rules do not undo Studio's classes.
    expect(await computed(p, '.mws-column__list', 'list-style-type')).toBe('none');
    expect(errors).toEqual([]);
  });

  it('styles a Studio mounted in a shadow root there, not in the document', async () => {
    const script = `import MWSE from '/sdk/index.js';
import Studio from '/sdk/studio/index.js';
const host = document.querySelector('#host');
const shadow = host.attachShadow({ mode: 'open' });
const target = document.createElement('div');
shadow.append(target);
const mwse = new MWSE();
const studio = new Studio(mwse, target);
mwse.on('scope', () => { studio.mount(); window.mounted = true; });`;
    const p = await open(page('', '<div id="host"></div>', script), '#host');
    await p.waitForFunction(() => (window as any).mounted);
    const styled = await p.evaluate(() => {
      const shadow = document.querySelector('#host')!.shadowRoot!;
      const root = shadow.querySelector('.mws-studio')!;
      return {
        display: getComputedStyle(root).display,
        inShadow: shadow.querySelectorAll('style[data-mws-studio-style]').length,
        inDocument: document.querySelectorAll('style[data-mws-studio-style]').length,
      };
    });
    expect(styled).toEqual({ display: 'flex', inShadow: 1, inDocument: 0 });
    expect(errors).toEqual([]);
  });
});
