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

/**
 * Janus 1.1.2's Streaming plugin answers a client offer with its own RTP header extension ids
 * (`sdes:mid` on 4, say) where the offer had put another extension (Chromium: transport-cc on 4),
 * and Chromium refuses an answer that remaps an id. The answer is given the offer's id for each
 * extension it names, and loses the ones the offer lacks. Janus still stamps its own ids on the
 * packets; the browser ignores an id it did not negotiate and demultiplexes the BUNDLE by payload
 * type and SSRC instead.
 */
export function alignExtmapIds(answer: string, offer: string): string {
  const offered = new Map<string, string>();
  for (const match of offer.matchAll(/^a=extmap:(\d+)(?:\/\w+)? (\S+)/gm)) offered.set(match[2]!, match[1]!);
  const eol = answer.includes('\r\n') ? '\r\n' : '\n';
  return answer
    .split(/\r?\n/)
    .flatMap((line) => {
      const match = /^a=extmap:(\d+)((?:\/\w+)?) (\S+)(.*)$/.exec(line);
      if (!match) return [line];
      const id = offered.get(match[3]!);
      return id === undefined ? [] : [`a=extmap:${id}${match[2]} ${match[3]}${match[4]}`];
    })
    .join(eol);
}
