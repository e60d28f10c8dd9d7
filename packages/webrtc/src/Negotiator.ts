import type { SignalBody } from './SignalMessage.js';

/** The part of `RTCPeerConnection` negotiation uses (tests give it a fake). */
export interface NegotiationTarget extends EventTarget {
  readonly signalingState: RTCSignalingState;
  readonly localDescription: { readonly type: RTCSdpType; readonly sdp: string } | null;
  readonly remoteDescription: { readonly type: RTCSdpType; readonly sdp: string } | null;
  setLocalDescription(description?: RTCLocalSessionDescriptionInit): Promise<void>;
  setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void>;
  addIceCandidate(candidate?: RTCIceCandidateInit): Promise<void>;
  restartIce(): void;
}

/** Where a description came from. */
export type DescriptionOrigin = 'local' | 'remote';

/** What a {@link Negotiator} needs around it. */
export interface NegotiatorOptions {
  /** The polite side rolls its own offer back when offers cross; the impolite side ignores theirs. */
  polite: boolean;
  /** Sends a description or candidate to the other side. */
  send(body: Extract<SignalBody, { kind: 'description' | 'candidate' }>): void;
  /** Names of the local streams by `MediaStream.id`, sent with every description. */
  localStreams(): Record<string, string>;
  /** Names of the remote's streams, given before its description is applied (so `track` knows them). */
  remoteStreams(names: Record<string, string>): void;
  /** A description was sent (`local`) or applied (`remote`). */
  described?(description: RTCSessionDescriptionInit, origin: DescriptionOrigin): void;
  /** Negotiation failed in a way the connection may not recover from by itself. */
  failed(error: Error): void;
}

type Incoming = Extract<SignalBody, { kind: 'description' | 'candidate' }>;

/** Descriptions remembered as sent; a handful covers every race below. */
const SENT_KEPT = 16;

/**
 * What identifies one description: its `o=` line, whose session version is new for every offer
 * and answer but stays as candidates are added to `localDescription.sdp`.
 */
function descriptionKey(sdp: string): string {
  return /^o=.*$/m.exec(sdp)?.[0] ?? sdp;
}

/**
 * Perfect negotiation (RFC 8829 §5.1 / the W3C WebRTC "perfect negotiation" example) over one
 * peer connection: either side may change its tracks at any moment, and when both send an offer at
 * once (glare) the polite side rolls back and answers while the impolite side ignores the other
 * offer. Incoming messages are handled one at a time, in order. The first offer is always the
 * impolite side's: it must have something to negotiate from the start (RTCEngine's impolite side
 * opens the primary data channel).
 */
export class Negotiator {
  readonly polite: boolean;
  readonly #pc: NegotiationTarget;
  readonly #options: NegotiatorOptions;
  #makingOffer = false;
  #ignoreOffer = false;
  #settingRemoteAnswer = false;
  #queue: Promise<void> = Promise.resolve();
  #closed = false;
  #sent: string[] = [];

  constructor(pc: NegotiationTarget, options: NegotiatorOptions) {
    this.#pc = pc;
    this.#options = options;
    this.polite = options.polite;
    pc.addEventListener('negotiationneeded', this.#negotiate);
    pc.addEventListener('icecandidate', this.#candidate);
  }

  /** Takes the next description or candidate from the other side. */
  receive(body: Incoming): void {
    this.#queue = this.#queue.then(() => this.#handle(body)).catch((error: unknown) => this.#fail(error));
  }

  /** Resolves once every message received so far is handled (for tests and orderly closing). */
  settled(): Promise<void> {
    return this.#queue;
  }

  /** Starts an ICE restart: new credentials in the next offer, media keeps flowing meanwhile. */
  restartIce(): void {
    if (!this.#closed) this.#pc.restartIce();
  }

  /** Stops listening to the peer connection; later messages are ignored. */
  close(): void {
    this.#closed = true;
    this.#pc.removeEventListener('negotiationneeded', this.#negotiate);
    this.#pc.removeEventListener('icecandidate', this.#candidate);
  }

  readonly #negotiate = async (): Promise<void> => {
    if (this.#closed) return;
    // The polite side never makes the first offer: it waits for the impolite side's (which always
    // has one to make, for the primary data channel) and answers it. Its own tracks ride on that
    // answer, and if anything is left to negotiate the browser fires `negotiationneeded` again
    // once the state is back to stable. Offering too would invite a collision on the very first
    // exchange, and Chromium gathers no candidates at all for a transport whose first offer was
    // rolled back: ICE then stays `new` on both sides for good.
    if (this.polite && this.#pc.remoteDescription === null) return;
    try {
      this.#makingOffer = true;
      // Without arguments it makes the right description for the state: an offer in `stable`, an
      // answer if an offer was applied meanwhile.
      await this.#pc.setLocalDescription();
      this.#sendLocal();
    } catch (error) {
      this.#fail(error);
    } finally {
      this.#makingOffer = false;
    }
  };

  readonly #candidate = (event: Event): void => {
    const { candidate } = event as RTCPeerConnectionIceEvent;
    // null marks the end of gathering; the SDP already says so, nothing to send.
    if (this.#closed || !candidate) return;
    this.#options.send({ kind: 'candidate', candidate: candidate.toJSON() });
  };

  async #handle(body: Incoming): Promise<void> {
    if (this.#closed) return;
    if (body.kind === 'candidate') {
      try {
        await this.#pc.addIceCandidate(body.candidate);
      } catch (error) {
        // Candidates of an offer we ignored cannot be added, nor late ones of the ICE generation
        // before a restart; anything else is a real failure.
        if (!this.#ignoreOffer && !this.#stale(body.candidate)) throw error;
      }
      return;
    }
    const { description } = body;
    const pc = this.#pc;
    const readyForOffer =
      !this.#makingOffer && (pc.signalingState === 'stable' || this.#settingRemoteAnswer);
    const collision = description.type === 'offer' && !readyForOffer;
    this.#ignoreOffer = !this.polite && collision;
    if (this.#ignoreOffer) return;
    this.#options.remoteStreams(body.streams);
    this.#settingRemoteAnswer = description.type === 'answer';
    try {
      // In a collision the polite side's pending offer is rolled back implicitly here.
      await pc.setRemoteDescription(description);
    } finally {
      this.#settingRemoteAnswer = false;
    }
    if (this.#closed) return;
    this.#options.described?.(description, 'remote');
    if (description.type === 'offer') {
      await pc.setLocalDescription();
      this.#sendLocal();
    }
  }

  /**
   * Sends the current local description, unless it was sent already. Between a
   * `setLocalDescription()` and the code after its `await`, the other path may have moved on: an
   * offer from `negotiationneeded` can be rolled back by an incoming offer (leaving the previous
   * description, long sent, in `localDescription`), or the answer made for that offer may be the
   * one now there. Sending either again would hand the other side an answer it cannot take.
   */
  #sendLocal(): void {
    const local = this.#pc.localDescription;
    if (this.#closed || !local) return;
    const key = descriptionKey(local.sdp);
    if (this.#sent.includes(key)) return;
    this.#sent.push(key);
    if (this.#sent.length > SENT_KEPT) this.#sent.shift();
    const description = { type: local.type, sdp: local.sdp };
    this.#options.send({ kind: 'description', description, streams: this.#options.localStreams() });
    this.#options.described?.(description, 'local');
  }

  /** A candidate for ICE credentials the remote description no longer has. */
  #stale(candidate: RTCIceCandidateInit): boolean {
    const ufrag = candidate.usernameFragment;
    const remote = this.#pc.remoteDescription?.sdp;
    return Boolean(ufrag && remote && !remote.includes(`a=ice-ufrag:${ufrag}`));
  }

  #fail(error: unknown): void {
    if (this.#closed) return;
    this.#options.failed(error instanceof Error ? error : new Error(String(error)));
  }
}
