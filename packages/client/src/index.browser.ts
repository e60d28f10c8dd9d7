// Browser entry: the same surface as index.ts. The builds that start here swap every
// `*.node.ts` file for its `*.browser.ts` twin (see tsup.config.ts), so nothing Node-only
// (the `ws` package) reaches a browser bundle.
export * from './index.js';
export { default } from './index.js';
