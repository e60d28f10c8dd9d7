import type { Peer } from '@mwse/client';
import type { PairState } from '../state/PairBook.js';
import type { StudioContext } from '../StudioContext.js';
import { button, field, formRow, note, panel, section } from '../ui/controls.js';
import { h, setText } from '../ui/dom.js';
import { describeError, parseInput, preview } from '../ui/format.js';

/** How the actions report back: the owning view's status line. */
export interface ActionRunner {
  run<T>(doing: string, task: () => Promise<T>, done: (result: T) => string): Promise<T | undefined>;
  report(text: string, tone?: 'default' | 'good' | 'bad'): void;
}

const REQUEST_TIMEOUT = 10_000;

const STATE_NOTES = {
  none: 'Not paired: with pair-auth on, it drops your direct messages and requests.',
  outgoing: 'You asked to pair; waiting for its answer.',
  incoming: 'It asks to pair with you.',
  paired: 'Paired: direct messages and requests get through.',
} as const;

/** The action panel of a peer: pairing (request, accept, reject, end), messages and requests. */
export class PeerActions {
  /** The panel. */
  readonly element: HTMLElement;
  readonly #ctx: StudioContext;
  readonly #peer: Peer;
  readonly #runner: ActionRunner;
  readonly #note = note();
  readonly #request = button('Request pair', () => void this.#pair('request'), 'primary');
  readonly #accept = button('Accept', () => void this.#pair('accept'));
  readonly #reject = button('Reject', () => void this.#pair('reject'), 'danger');
  readonly #end = button('End pair', () => void this.#pair('end'), 'danger');
  readonly #message = field('Message or request body', 'Message or request (JSON or text)');
  readonly #send = button('Send', () => this.#sendMessage(), 'primary');
  readonly #ask = button('Request', () => void this.#sendRequest());
  #last: PairState | undefined;

  constructor(ctx: StudioContext, peer: Peer, runner: ActionRunner) {
    this.#ctx = ctx;
    this.#peer = peer;
    this.#runner = runner;
    this.element = panel(
      section('Pairing', this.#note, h('div', { class: 'mws-row' }, this.#request, this.#accept, this.#reject, this.#end)),
      section('Message', formRow(() => this.#sendMessage(), this.#message), h('div', { class: 'mws-row' }, this.#send, this.#ask)),
    );
  }

  /** Shows the buttons that fit the pair state, and says so when the other side changed it. */
  update(): void {
    const state = this.#ctx.pairs.state(this.#peer);
    const gone = this.#ctx.peers.gone(this.#peer);
    if (this.#last !== undefined && this.#last !== state && !gone) {
      const name = this.#ctx.peers.name(this.#peer);
      const said = { none: `No longer paired with ${name}`, incoming: `${name} asks to pair`, outgoing: `Asked ${name} to pair`, paired: `Paired with ${name}` }[state];
      this.#runner.report(said, state === 'none' ? 'default' : 'good');
    }
    this.#last = state;
    setText(this.#note, gone ? 'This peer left the server.' : STATE_NOTES[state]);
    this.#request.hidden = state !== 'none';
    this.#accept.hidden = state === 'paired' || state === 'outgoing';
    this.#accept.className = `mws-button mws-button--${state === 'incoming' ? 'primary' : 'default'}`;
    this.#accept.title = state === 'incoming' ? 'Accept its request' : 'Trust it without being asked: its direct traffic reaches you';
    this.#reject.hidden = state !== 'incoming';
    this.#end.hidden = state !== 'paired' && state !== 'outgoing';
    this.#end.textContent = state === 'outgoing' ? 'Cancel' : 'End pair';
    for (const control of [this.#request, this.#accept, this.#reject, this.#end, this.#message, this.#send, this.#ask]) {
      control.disabled = gone;
    }
  }

  async #pair(action: 'request' | 'accept' | 'reject' | 'end'): Promise<void> {
    const { pairs, peers } = this.#ctx;
    const peer = this.#peer;
    const name = peers.name(peer);
    if (action === 'request') {
      if ((await this.#runner.run('Asking to pair', () => peer.requestPair().then(() => true), () => `Asked ${name} to pair`)) === undefined) return;
      pairs.asked(peer);
    } else if (action === 'accept') {
      await this.#runner.run('Accepting', () => peer.acceptPair(), () => `Paired with ${name}`);
    } else {
      const call = action === 'reject' ? () => peer.rejectPair() : () => peer.endPair();
      if ((await this.#runner.run(action === 'reject' ? 'Rejecting' : 'Ending', () => call().then(() => true), () => (action === 'reject' ? 'Rejected' : 'Pairing ended'))) === undefined) return;
      pairs.ended(peer);
    }
  }

  #body(): unknown | undefined {
    const text = this.#message.value;
    if (!text) {
      this.#runner.report('Type a message first (JSON or text)', 'bad');
      return undefined;
    }
    return parseInput(text);
  }

  #sendMessage(): void {
    const pack = this.#body();
    if (pack === undefined) return;
    try {
      this.#peer.send(pack);
    } catch (error) {
      this.#runner.report(describeError(error), 'bad');
      return;
    }
    this.#ctx.traffic.add({ kind: 'out', peer: this.#peer, data: pack });
    this.#message.value = '';
    const paired = this.#ctx.pairs.state(this.#peer) === 'paired';
    this.#runner.report(paired ? 'Sent' : 'Sent (dropped if its pair-auth refuses you)', 'good');
  }

  async #sendRequest(): Promise<void> {
    const body = this.#body();
    if (body === undefined) return;
    const { traffic } = this.#ctx;
    const peer = this.#peer;
    const asked = traffic.add({ kind: 'request', peer, data: body });
    this.#message.value = '';
    try {
      this.#runner.report('Waiting for the answer…');
      const answer: unknown = await peer.request(body, { timeout: REQUEST_TIMEOUT });
      traffic.add({ kind: 'answer', peer, data: answer ?? null, note: `answer to #${asked.id}` });
      this.#runner.report(`Answer: ${preview(answer, 120)}`, 'good');
    } catch (error) {
      traffic.add({ kind: 'failure', peer, data: describeError(error), note: `request #${asked.id} failed` });
      this.#runner.report(describeError(error), 'bad');
    }
  }
}
