import type { ConnectFailure, MWSE } from '@mwse/client';
import type { PeerDirectory } from '../state/PeerDirectory.js';
import { h, setText } from './dom.js';
import { shortId } from './format.js';

const EVENTS = ['scope', 'disconnect', 'reconnecting', 'close'] as const;

/** The strip above the columns: the app's name, the connection's state, who I am, the server. */
export class TitleBar {
  readonly element: HTMLElement;
  readonly #mwse: MWSE;
  readonly #peers: PeerDirectory;
  readonly #state = h('span', { class: 'mws-titlebar__state', attrs: { role: 'status' } });
  readonly #me = h('span', { class: 'mws-titlebar__me' });
  readonly #server = h('span', { class: 'mws-titlebar__server' });
  readonly #offs: Array<() => void> = [];
  /** The last failed connection attempt, until the next `scope`. */
  #failure: ConnectFailure | undefined;

  constructor(mwse: MWSE, peers: PeerDirectory) {
    this.#mwse = mwse;
    this.#peers = peers;
    this.element = h(
      'header',
      { class: 'mws-titlebar' },
      h('span', { class: 'mws-titlebar__logo', text: 'MWSE', attrs: { 'aria-hidden': 'true' } }),
      h('h1', { class: 'mws-titlebar__title', text: 'Studio' }),
      this.#state,
      h('span', { class: 'mws-titlebar__spacer' }),
      this.#me,
      this.#server,
    );
    const update = () => this.update();
    for (const event of EVENTS) {
      mwse.on(event, update);
      this.#offs.push(() => mwse.off(event, update));
    }
    const failed = (failure: ConnectFailure) => {
      this.#failure = failure;
      update();
    };
    const scoped = () => (this.#failure = undefined);
    mwse.on('connect/error', failed).on('scope', scoped);
    this.#offs.push(() => mwse.off('connect/error', failed).off('scope', scoped));
    this.#offs.push(peers.changed.subscribe(update));
  }

  /** Redraws from the client's current state. */
  update(): void {
    const mwse = this.#mwse;
    const failure = mwse.connected ? undefined : this.#failure;
    const state = mwse.connected ? 'online' : failure ? 'failed' : mwse.state === 'closed' ? 'closed' : 'connecting';
    this.#state.dataset.state = state;
    const why = failure?.status ? ` (HTTP ${failure.status})` : failure?.reason === 'timeout' ? ' (no answer)' : '';
    const cannot = `Cannot connect${why}${failure?.willReconnect && mwse.state !== 'closed' ? ' · retrying' : ''}`;
    setText(this.#state, { online: 'Connected', closed: 'Closed', connecting: 'Connecting…', failed: cannot }[state]);
    // The whole story (endpoint, what the platform said) for whoever hovers.
    this.#state.title = failure?.message ?? '';
    setText(this.#me, mwse.connected ? `${this.#peers.name(mwse.me)} · ${shortId(mwse.me.socketId)}` : '');
    this.#me.dataset.socketId = mwse.me.socketId;
    const hello = mwse.server;
    setText(this.#server, hello ? `${hello.server} ${hello.version} · protocol ${hello.protocol}` : '');
  }

  /** Stops listening. */
  dispose(): void {
    for (const off of this.#offs.splice(0)) off();
  }
}
