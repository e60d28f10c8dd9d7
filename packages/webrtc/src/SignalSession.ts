import type { SignalBody, SignalMessage } from './SignalMessage.js';

/** How a received message relates to the current session (see {@link SignalSession.classify}). */
export type SignalFit = 'current' | 'stale' | 'restarted';

/** Messages held before the handshake; a connection rarely makes more than a few dozen. */
const HOLD_LIMIT = 1000;
/** Hello is repeated until the handshake completes: first after this many ms, doubling… */
const RETRY_FIRST = 500;
/** …up to this. */
const RETRY_MAX = 4000;
/**
 * Hellos sent at most (about two and a half minutes). Past that the other side's own hello still
 * completes the handshake whenever it connects; this only stops talking to a peer that is gone.
 */
const HELLO_LIMIT = 40;

/**
 * 128 random bits in hex. Not `crypto.randomUUID()`: pages outside a secure context (plain http on
 * a LAN address) lack it, and data channels and files work there too.
 */
function randomId(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The signalling handshake of one `RTCPeerConnection`.
 *
 * Each side sends `hello` when it connects, and answers the first message of a remote session it
 * did not know with a `hello` of its own. Everything else (offers, answers, candidates) is held
 * until the remote has shown it knows this session (a message with `to` set to it). So a remote that
 * was not listening yet, or connects later, loses nothing: the first side simply waits, and the
 * handshake completes whichever side connects first. Until it does, hello is repeated (backing off
 * to every 4 s): the other side may not trust us yet (pair-auth drops signalling from peers it has
 * not accepted), or not have been listening.
 */
export class SignalSession {
  /** This peer connection's id, sent as `from`. */
  readonly id = randomId();
  readonly #post: (message: SignalMessage) => void;
  #remote: string | undefined;
  #known = false;
  #held: SignalBody[] = [];
  #retry: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  /** `post` sends one message to the remote peer (`peer.signal`). */
  constructor(post: (message: SignalMessage) => void) {
    this.#post = post;
  }

  /** The remote peer connection's id, once heard from. */
  get remote(): string | undefined {
    return this.#remote;
  }

  /** True once the remote has addressed this session: held messages are flowing. */
  get established(): boolean {
    return this.#known;
  }

  /**
   * `stale`: meant for an earlier connection of ours, drop it. `restarted`: the remote made a new
   * connection while ours is paired with its previous one, so ours must be replaced. Else `current`.
   */
  classify(message: SignalMessage): SignalFit {
    if (message.to !== undefined && message.to !== this.id) return 'stale';
    if (this.#remote !== undefined && message.from !== this.#remote) return 'restarted';
    return 'current';
  }

  /** Announces this session, and again from time to time until the handshake completes. */
  start(polite: boolean): void {
    let delay = RETRY_FIRST;
    let sent = 1;
    const repeat = () => {
      this.#retry = undefined;
      if (this.#known || this.#closed || sent >= HELLO_LIMIT) return;
      sent++;
      this.hello(polite);
      delay = Math.min(delay * 2, RETRY_MAX);
      this.#retry = setTimeout(repeat, delay);
    };
    this.hello(polite);
    this.#retry = setTimeout(repeat, delay);
  }

  /** Sends one hello (addressed to the remote once known). */
  hello(polite: boolean): void {
    if (!this.#closed) this.#post(this.#wrap({ kind: 'hello', polite }));
  }

  /** Stops repeating and sending; held messages are dropped. */
  close(): void {
    this.#closed = true;
    this.#held = [];
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    this.#retry = undefined;
  }

  /** Tells the remote this connection is closing; sent at once, handshake or not. */
  bye(): void {
    if (!this.#closed) this.#post(this.#wrap({ kind: 'bye' }));
    this.close();
  }

  /** Sends `body` now if the remote knows this session, else once it does. */
  send(body: SignalBody): void {
    if (this.#closed) return;
    if (this.#known) {
      this.#post(this.#wrap(body));
      return;
    }
    if (this.#held.length >= HOLD_LIMIT) this.#held.shift();
    this.#held.push(body);
  }

  /**
   * Takes a `current` message: learns the remote's id, answers with a hello when the remote does
   * not know this session yet, and releases the held messages once it has addressed this session.
   * `polite` goes into that hello.
   */
  receive(message: SignalMessage, polite: boolean): void {
    const adopted = this.#remote === undefined;
    if (adopted) this.#remote = message.from;
    if (adopted || message.to === undefined) this.hello(polite);
    if (message.to === this.id && !this.#known) {
      this.#known = true;
      const held = this.#held;
      this.#held = [];
      for (const body of held) this.#post(this.#wrap(body));
    }
  }

  #wrap(body: SignalBody): SignalMessage {
    return {
      ...body,
      rtc: 1,
      from: this.id,
      ...(this.#remote === undefined ? {} : { to: this.#remote }),
    };
  }
}
