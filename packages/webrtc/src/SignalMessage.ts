/**
 * What two {@link RTCEngine}s say to each other over MWSE's signalling channel (`peer.signal`).
 *
 * Every message names the peer connection it comes from (`from`, a random session id made per
 * `RTCPeerConnection`) and, once known, the one it is meant for (`to`). That lets a side tell a
 * remote that started over (a new `from`) from late messages meant for a connection it already
 * closed (a stale `to`).
 */
export type SignalBody =
  /** "I have a peer connection for you"; `polite` lets the other side check the roles differ. */
  | { kind: 'hello'; polite: boolean }
  /** An offer or answer, with the names of the sender's streams by `MediaStream.id`. */
  | { kind: 'description'; description: RTCSessionDescriptionInit; streams: Record<string, string> }
  | { kind: 'candidate'; candidate: RTCIceCandidateInit }
  /** The sender closed its side (`rtc.close()`). */
  | { kind: 'bye' };

/** One signalling message as sent with `peer.signal`. */
export type SignalMessage = SignalBody & {
  /** Marks the message as ours, so other users of the signal channel are ignored. */
  rtc: 1;
  from: string;
  to?: string;
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isStringMap = (value: unknown): value is Record<string, string> =>
  isObject(value) && Object.values(value).every((v) => typeof v === 'string');

function isDescription(value: unknown): value is RTCSessionDescriptionInit {
  return (
    isObject(value) &&
    (value.type === 'offer' || value.type === 'answer' || value.type === 'pranswer') &&
    typeof value.sdp === 'string'
  );
}

function isCandidate(value: unknown): value is RTCIceCandidateInit {
  return isObject(value) && typeof value.candidate === 'string';
}

/**
 * `data` as a {@link SignalMessage}, or `undefined` when it is not one (another library's signal,
 * or a malformed message from a misbehaving peer). Never throws.
 */
export function parseSignal(data: unknown): SignalMessage | undefined {
  if (!isObject(data) || data.rtc !== 1 || typeof data.from !== 'string' || data.from === '') {
    return undefined;
  }
  if (data.to !== undefined && typeof data.to !== 'string') return undefined;
  switch (data.kind) {
    case 'hello':
      return typeof data.polite === 'boolean' ? (data as SignalMessage) : undefined;
    case 'description':
      return isDescription(data.description) && isStringMap(data.streams)
        ? (data as SignalMessage)
        : undefined;
    case 'candidate':
      return isCandidate(data.candidate) ? (data as SignalMessage) : undefined;
    case 'bye':
      return data as SignalMessage;
    default:
      return undefined;
  }
}
