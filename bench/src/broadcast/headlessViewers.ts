import { createInterface } from 'node:readline';
import MWSE, { type BroadcastSession } from '@mwse/client';
import nodeDataChannel from 'node-datachannel';

/**
 * A process of headless viewers (no browser): each is an MWSE SDK client in a broadcast room's
 * audience with a `node-datachannel` (libdatachannel) peer connection that makes a complete
 * recvonly offer (video VP8, audio Opus; ICE gathered), sends it with `broadcast/watch`, applies
 * the media server's answer and counts the RTP packets and bytes it receives (RTCP left out).
 *
 * `node dist/broadcast/headlessViewers.js <ws endpoint> <room> <broadcast name>`; on stdin, one
 * JSON command a line: `{"add": n}` adds n viewers and answers `{"added": n, "failed": k, "error"}`;
 * `{"sample": true}` answers `{"sample": [[videoBytes, videoPackets, audioBytes, audioPackets, videoFrames], …]}`
 * (cumulative, per viewer, in the order they were added). Stdin closing ends the process; it
 * also ends by itself after `BENCH_MAX_LIFETIME_MS`.
 */
const [endpoint, roomName, broadcast] = process.argv.slice(2) as [string, string, string];
const { PeerConnection, Video, Audio, RtcpReceivingSession } = nodeDataChannel;

interface Viewer {
  mwse: MWSE;
  pc: InstanceType<typeof PeerConnection>;
  /**
   * The tracks, held for as long as the viewer lives: node-datachannel drops a track's callbacks
   * when its JS object is collected (the counts stopped at the first GC, ~8 s in, without this).
   */
  tracks: ReturnType<InstanceType<typeof PeerConnection>['addTrack']>[];
  /** videoBytes, videoPackets, audioBytes, audioPackets, videoFrames (packets with the marker bit) */
  counts: [number, number, number, number, number];
}
const viewers: Viewer[] = [];
if (process.env.BENCH_DEBUG) nodeDataChannel.initLogger((process.env.BENCH_RTC_LOG ?? 'Info') as 'Info', (level, message) => process.stderr.write(`[rtc ${level}] ${message}\n`));

/** An RTP packet (not RTCP: payload types 192–223 on a muxed port, RFC 5761). */
const isRtp = (packet: Buffer) => packet.length >= 12 && (packet[1]! < 192 || packet[1]! > 223);

/** Resolves once `pc` has gathered its candidates (bounded: `capMs`). */
function gathered(pc: InstanceType<typeof PeerConnection>, capMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, capMs);
    const check = (state: string) => {
      if (state !== 'complete') return;
      clearTimeout(timer);
      resolve();
    };
    pc.onGatheringStateChange(check);
    check(pc.gatheringState());
  });
}

async function addViewer(index: number): Promise<void> {
  const mwse = new MWSE({ endpoint, reconnect: false });
  const pc = new PeerConnection(`viewer-${index}`, { iceServers: [] });
  const viewer: Viewer = { mwse, pc, counts: [0, 0, 0, 0, 0], tracks: [] };
  try {
    await mwse.scope();
    const room = mwse.room(roomName);
    await room.join();
    const video = new Video('0', 'RecvOnly');
    video.addVP8Codec(96);
    const audio = new Audio('1', 'RecvOnly');
    audio.addOpusCodec(111);
    const videoTrack = pc.addTrack(video);
    const audioTrack = pc.addTrack(audio);
    viewer.tracks.push(videoTrack, audioTrack);
    // Receiver reports back to the media server, as a browser sends them.
    videoTrack.setMediaHandler(new RtcpReceivingSession());
    audioTrack.setMediaHandler(new RtcpReceivingSession());
    videoTrack.onMessage((packet) => {
      if (!isRtp(packet)) return;
      viewer.counts[0] += packet.length;
      viewer.counts[1] += 1;
      // The marker bit ends a video frame (RFC 7741 §4.1 for VP8).
      if (packet[1]! & 0x80) viewer.counts[4] += 1;
    });
    audioTrack.onMessage((packet) => {
      if (!isRtp(packet)) return;
      viewer.counts[2] += packet.length;
      viewer.counts[3] += 1;
    });
    if (process.env.BENCH_DEBUG) {
      const t0 = performance.now();
      const log = (what: string) => process.stderr.write(`[viewer ${index} +${Math.round(performance.now() - t0)} ms] ${what}\n`);
      pc.onStateChange((state) => log(`pc ${state}`));
      pc.onIceStateChange((state) => log(`ice ${state}`));
      videoTrack.onClosed(() => log('video track closed'));
      room.on('broadcast/frame', (frame) => log(JSON.stringify(frame)));
      mwse.on('close', () => log('mwse closed'));
    }
    pc.setLocalDescription();
    await gathered(pc, 2000);
    const offer = pc.localDescription()?.sdp;
    if (!offer) throw new Error('no local offer');
    const session = await room.broadcastCall<BroadcastSession>({ type: 'broadcast/watch', room: roomName, name: broadcast, offer }, { timeout: 20_000 });
    pc.setRemoteDescription(session.answer, 'answer');
    viewers.push(viewer);
  } catch (error) {
    pc.close();
    mwse.close();
    throw error;
  }
}

async function add(count: number): Promise<{ added: number; failed: number; error?: string }> {
  let added = 0;
  let failed = 0;
  let error: string | undefined;
  // At most 10 offers in flight: a real audience does not arrive in one millisecond either.
  for (let i = 0; i < count; i += 10) {
    const batch = Array.from({ length: Math.min(10, count - i) }, (_, j) => addViewer(viewers.length + i + j));
    for (const result of await Promise.allSettled(batch)) {
      if (result.status === 'fulfilled') added++;
      else {
        failed++;
        error ??= String((result.reason as Error)?.message ?? result.reason);
      }
    }
  }
  return { added, failed, ...(error === undefined ? {} : { error }) };
}

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(0), 2000).unref();
  for (const v of viewers) {
    v.pc.close();
    v.mwse.close();
  }
  process.exit(0);
}

const commands = createInterface({ input: process.stdin });
let queue = Promise.resolve();
commands.on('line', (line) => {
  queue = queue.then(async () => {
    const command = JSON.parse(line) as { add?: number; sample?: boolean };
    if (command.add !== undefined) process.stdout.write(`${JSON.stringify(await add(command.add))}\n`);
    else if (command.sample) process.stdout.write(`${JSON.stringify({ sample: viewers.map((v) => v.counts) })}\n`);
  });
});
commands.on('close', stop);
process.on('SIGTERM', stop);
setTimeout(stop, Number(process.env.BENCH_MAX_LIFETIME_MS ?? 600_000)).unref();
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
