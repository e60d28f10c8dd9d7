import type { IncomingFile } from './IncomingFile.js';
import type { FileTransfer, FileTransferError } from './FileTransfer.js';
import type { DescriptionOrigin } from './Negotiator.js';

/**
 * Where an engine is: `idle` (never connected), `connecting`, `connected`, `disconnected` (a
 * network hiccup; ICE restarts if it lasts), `failed` (ICE restarts at once), `closed`.
 */
export type RTCState = 'idle' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';

/**
 * Why an engine closed: `local` (`rtc.close()`), `remote` (the other side closed), `peer-gone`
 * (the peer left the server), `signalling-lost` (our own MWSE connection dropped).
 */
export type RTCCloseReason = 'local' | 'remote' | 'peer-gone' | 'signalling-lost';

/** Why an ICE restart started. */
export type IceRestartReason = 'failed' | 'disconnected' | 'manual';

/** Events of an {@link RTCEngine} (`peer.rtc.on(…)`). */
export interface RTCEngineEvents {
  /** The connection state changed. */
  state: (state: RTCState) => void;
  /** Media and data can flow (also after a recovered ICE restart). */
  connected: () => void;
  /** The engine closed; `connect()` starts again. */
  close: (reason: RTCCloseReason) => void;
  /** The other side connected while this side is not: call `connect()` to answer. */
  incoming: () => void;
  /**
   * Remote tracks arrived; `name` is the name their stream was added under on the other side. Once
   * per stream and negotiation: a stream's audio and video arrive together and are reported as one
   * event, with the video track (so one `<video>` per event shows each remote camera once); a track
   * added to a stream later is an event of its own. Every track is in `streams[0]`. A listener
   * added later still gets what arrived before it.
   */
  track: (track: MediaStreamTrack, streams: readonly MediaStream[], name: string | undefined) => void;
  /** A remote stream appeared (its first track arrived). Late listeners get the current ones. */
  stream: (stream: MediaStream, name: string) => void;
  /** The other side removed a stream (`removeStream`). */
  'stream/removed': (stream: MediaStream, name: string) => void;
  /** A message on the primary data channel. */
  data: (data: any) => void;
  /** The primary data channel opened (again). */
  'channel/open': () => void;
  /** The primary data channel closed; it reopens by itself while the connection lives. */
  'channel/close': () => void;
  /** A data channel the other side's app created (not the primary one, not a file's). */
  datachannel: (channel: RTCDataChannel) => void;
  /** A file arrived whole. */
  file: (file: File, transfer: FileTransfer) => void;
  /** A file started to arrive; `transfer.cancel()` refuses it. */
  'file/incoming': (transfer: IncomingFile) => void;
  /** Bytes moved, in either direction (`transfer.direction`). */
  'file/progress': (transfer: FileTransfer) => void;
  /** A transfer stopped before the end, in either direction: cancelled by a side, or broken. */
  'file/cancel': (error: FileTransferError) => void;
  /** A description was sent (`local`) or applied (`remote`). */
  negotiation: (description: RTCSessionDescriptionInit, origin: DescriptionOrigin) => void;
  /** An ICE restart began. */
  icerestart: (reason: IceRestartReason) => void;
  /** Negotiation failed, the roles clash, or a peer sent something broken. */
  error: (error: Error) => void;
}
