import type { MWSE } from '@mwse/client';
import { ColumnView } from './ColumnView.js';
import { MeState } from './state/MeState.js';
import { NotificationCenter } from './state/NotificationCenter.js';
import { PairBook } from './state/PairBook.js';
import { PeerDirectory } from './state/PeerDirectory.js';
import { RoomDirectory } from './state/RoomDirectory.js';
import type { Store } from './state/Store.js';
import { TrafficLog } from './state/TrafficLog.js';
import type { StudioContext } from './StudioContext.js';
import { ensureStudioStyle } from './StudioStyle.js';
import { h } from './ui/dom.js';
import { PathBar } from './ui/PathBar.js';
import { TitleBar } from './ui/TitleBar.js';
import { RootView } from './views/RootView.js';

/** Options of {@link Studio}. */
export interface StudioOptions {
  /**
   * Milliseconds between polls of what the server does not push: the public room list, the
   * members of rooms you are not in, the info of peers you are not paired with. Default 2000.
   */
  pollInterval?: number;
}

/**
 * MWSE Studio: a desktop-like, Miller-column explorer of everything a peer can see (itself, public
 * rooms and their members, pairs, notifications, traffic), live. It works on the client it is
 * given and bundles none of its own. It brings its dark theme along: mounting adds the stylesheet
 * to the page once (shared by every Studio, skipped when the page loads `style.css` itself).
 *
 * Studio starts watching the client's events when it is created, so create it early: pair requests
 * and notifications from before are not known to it.
 *
 * @example
 * import MWSE from '/sdk/index.js';
 * import Studio from '/sdk/studio/index.js';
 * const mwse = new MWSE();
 * const studio = new Studio(mwse, '#app');
 * mwse.on('scope', () => studio.mount());
 */
export class Studio {
  /** The client Studio explores. */
  readonly mwse: MWSE;
  readonly #target: string | Element;
  readonly #ctx: StudioContext;
  readonly #stores: Store[];
  #root: HTMLElement | undefined;
  #columns: ColumnView | undefined;
  #titleBar: TitleBar | undefined;
  #offs: Array<() => void> = [];

  /** `target` is the element to render into, or a CSS selector for it (looked up by {@link mount}). */
  constructor(mwse: MWSE, target: string | Element, options: StudioOptions = {}) {
    const pollInterval = Math.max(100, options.pollInterval ?? 2000);
    this.mwse = mwse;
    this.#target = target;
    const ctx: StudioContext = {
      mwse,
      me: new MeState(mwse),
      peers: new PeerDirectory(mwse, pollInterval),
      pairs: new PairBook(mwse),
      rooms: new RoomDirectory(mwse, pollInterval),
      traffic: new TrafficLog(mwse),
      inbox: new NotificationCenter(mwse),
      pollInterval,
    };
    this.#ctx = ctx;
    this.#stores = [ctx.me, ctx.peers, ctx.pairs, ctx.rooms, ctx.traffic, ctx.inbox];
    for (const store of this.#stores) store.start();
  }

  /** Studio's root element while mounted. */
  get element(): HTMLElement | undefined {
    return this.#root;
  }

  /**
   * Renders Studio into its target. Calling it again (the README's `mwse.on('scope', …)` does after
   * each reconnect) redraws every open column instead.
   */
  mount(): this {
    for (const store of this.#stores) store.start();
    if (this.#root && this.#columns && this.#titleBar) {
      this.#columns.refresh();
      this.#titleBar.update();
      return this;
    }
    const host = typeof this.#target === 'string' ? document.querySelector(this.#target) : this.#target;
    if (!host) throw new Error(`MWSE Studio: no element matches ${String(this.#target)}`);
    const pathBar = new PathBar();
    const columns = new ColumnView(() => pathBar.update(columns));
    const titleBar = new TitleBar(this.mwse, this.#ctx.peers);
    this.#offs.push(this.#ctx.peers.changed.subscribe(() => pathBar.update(columns)));
    this.#root = h('div', { class: 'mws-studio', attrs: { role: 'region', 'aria-label': 'MWSE Studio' } }, titleBar.element, columns.element, pathBar.element);
    this.#columns = columns;
    this.#titleBar = titleBar;
    host.append(this.#root);
    ensureStudioStyle(this.#root);
    titleBar.update();
    const first = columns.setRoot(new RootView(this.#ctx));
    pathBar.update(columns);
    // Take the keyboard only when the page has not given it to something else.
    if (document.activeElement === null || document.activeElement === document.body) first.focus(false);
    return this;
  }

  /** Removes Studio from the page and stops listening and polling; {@link mount} brings it back. */
  unmount(): void {
    this.#columns?.dispose();
    this.#titleBar?.dispose();
    this.#root?.remove();
    for (const off of this.#offs.splice(0)) off();
    for (const store of this.#stores) store.stop();
    this.#root = this.#columns = this.#titleBar = undefined;
  }
}

export default Studio;
