// The server's /sdk/index.js: the client SDK whose `MWSE` gives every peer `peer.rtc`.
//
// It imports the client and the WebRTC library as the two separate modules the server serves
// beside it (/sdk/client/index.js and /sdk/webrtc/index.js; see tsup.config.ts), so a page that
// also imports /sdk/webrtc/index.js loads one copy of each.
import { MWSE as ClientMWSE, type MWSEOptions } from '@mwse/client';
import { attachRTC } from '../index.js';

export * from '@mwse/client';

/**
 * The MWSE client with WebRTC: every peer has `peer.rtc` (see `@mwse/webrtc`).
 *
 * @example
 * import MWSE from '/sdk/index.js';
 * import { MediaSources } from '/sdk/webrtc/index.js';
 * const mwse = new MWSE();
 * mwse.me.on('accepted/pair', async (peer) => {
 *   peer.rtc.connect({ polite: mwse.me.socketId < peer.socketId });
 *   peer.rtc.addStream('cam', await MediaSources.cameraAndMic());
 * });
 */
export class MWSE extends ClientMWSE {
  constructor(options?: MWSEOptions) {
    super(options);
    attachRTC(this);
  }
}

export default MWSE;
