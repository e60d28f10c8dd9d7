/** One m-line of an SDP, as the Janus backend needs it. */
export interface SdpMedia {
  kind: string;
  mid: string;
}

/** The m-lines of `sdp` with their `a=mid` (in order). */
export function mediaOf(sdp: string): SdpMedia[] {
  const media: SdpMedia[] = [];
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) media.push({ kind: line.slice(2).split(' ')[0] ?? '', mid: String(media.length) });
    else if (line.startsWith('a=mid:') && media.length > 0) media[media.length - 1]!.mid = line.slice(6).trim();
  }
  return media;
}

/**
 * Janus 1.1.2's Streaming plugin answers a client offer with `a=setup:actpass`, which an answer
 * may not carry (RFC 5763 §5) and Chromium refuses. The offerer (the browser) offered actpass, so
 * the answerer must pick a role: `active` (Janus starts the DTLS handshake) works.
 */
export function fixAnswerSetup(sdp: string): string {
  return sdp.replace(/^a=setup:actpass(\r?)$/gm, 'a=setup:active$1');
}
