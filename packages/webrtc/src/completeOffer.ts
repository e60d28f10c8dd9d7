/** Longest the browser gathers ICE candidates before the offer goes as it is (ms). */
export const ICE_GATHERING_CAP = 2000;

/**
 * Makes `pc`'s offer and waits until ICE gathering completes or `cap` ms pass: media servers
 * (WHIP, WHEP, Janus's Streaming) take one complete offer, not trickled candidates.
 */
export async function completeOffer(pc: RTCPeerConnection, cap = ICE_GATHERING_CAP): Promise<string> {
  await pc.setLocalDescription(await pc.createOffer());
  if (pc.iceGatheringState !== 'complete') {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, cap);
      function done() {
        clearTimeout(timer);
        pc.removeEventListener('icegatheringstatechange', check);
        pc.removeEventListener('icecandidate', last);
        resolve();
      }
      function check() {
        if (pc.iceGatheringState === 'complete') done();
      }
      function last(event: RTCPeerConnectionIceEvent) {
        if (event.candidate === null) done();
      }
      pc.addEventListener('icegatheringstatechange', check);
      pc.addEventListener('icecandidate', last);
    });
  }
  return pc.localDescription!.sdp;
}
