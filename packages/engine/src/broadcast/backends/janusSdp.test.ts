import { describe, expect, it } from 'vitest';
import { alignExtmapIds, fixAnswerSetup, mediaOf } from './janusSdp.js';

// Shapes from Chromium's recvonly offer and Janus 1.1.2's Streaming answer, as seen in this repo's tests.
const offer = [
  'v=0', 'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=setup:actpass', 'a=mid:0',
  'a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  'a=extmap:4 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  'a=extmap:9 urn:ietf:params:rtp-hdrext:sdes:mid',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'a=mid:1', 'a=extmap:9 urn:ietf:params:rtp-hdrext:sdes:mid', '',
].join('\r\n');
const answer = [
  'v=0', 'm=video 9 UDP/TLS/RTP/SAVPF 96 97', 'a=mid:0', 'a=setup:actpass',
  'a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid',
  'a=extmap:12 urn:example:not-offered',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'a=mid:1', 'a=setup:actpass', 'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid', '',
].join('\r\n');

describe('Janus SDP fixes', () => {
  it('an answer that says actpass chooses active', () => {
    const fixed = fixAnswerSetup(answer);
    expect(fixed).not.toContain('a=setup:actpass');
    expect(fixed.match(/a=setup:active\r\n/g)).toHaveLength(2);
  });

  it("each extension takes the offer's id; one the offer lacks is dropped", () => {
    const fixed = alignExtmapIds(answer, offer);
    expect(fixed).toContain('a=extmap:9 urn:ietf:params:rtp-hdrext:sdes:mid');
    expect(fixed).not.toContain('a=extmap:4 ');
    expect(fixed).toContain('a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time');
    expect(fixed).not.toContain('urn:example:not-offered');
    expect(fixed.split('\r\n').length).toBe(answer.split('\r\n').length - 1);
  });

  it('reads the m-lines and their mids in order', () => {
    expect(mediaOf(offer)).toEqual([{ kind: 'video', mid: '0' }, { kind: 'audio', mid: '1' }]);
  });
});
