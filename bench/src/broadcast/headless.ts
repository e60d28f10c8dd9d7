import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '@mwse/testkit';
import { startJanus } from '@mwse/testkit/janus';
import { ServerProcess } from '../ServerProcess.js';
import { machineBusySeconds, processCpuSeconds } from '../procStats.js';

const serverFile = fileURLToPath(new URL('../servers/mwseJanusMedia.js', import.meta.url));
const viewersFile = fileURLToPath(new URL('./headlessViewers.js', import.meta.url));

const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
import MWSE from '/sdk/index.js';
import { MediaSources } from '/sdk/webrtc/index.js';
window.MWSE = MWSE; window.MediaSources = MediaSources; window.ready = true;
</script>`;

/** The publisher's video encoder cap (bit/s). */
const PUBLISH_BITRATE = 500_000;

export interface HeadlessStep {
  /** Viewers receiving during the window (asked for: `asked`). */
  viewers: number;
  asked: number;
  /** Viewers whose watch failed, and the first error. */
  failed: number;
  error?: string;
  seconds: number;
  /** The publisher's video send rate over the window (kbit/s, RTP headers included) and packets/s. */
  sendKbps: number;
  sendPps: number;
  /** The publisher's video frames sent per second; per viewer frames received / sent: median and minimum. */
  sendFps: number;
  frameRatioMedian: number;
  frameRatioMin: number;
  /** Per-viewer video receive rate over the window (kbit/s): median and minimum. */
  recvMedianKbps: number;
  recvMinKbps: number;
  /** Per-viewer video packets received / packets the publisher sent, over the window: median and minimum. */
  packetRatioMedian: number;
  packetRatioMin: number;
  /** CPU over the window, as a share of one core. */
  janusCore: number;
  mwseCore: number;
  viewersCore: number;
  /** The whole machine's busy share of one core over the window (all processes, both cores). */
  machineCore: number;
  /** 1-minute load average at the end of the window. */
  load: number;
}

/** The viewer process: add viewers, sample their counters. */
class ViewerProcess {
  private readonly answers: ((value: unknown) => void)[] = [];
  private constructor(private readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const message = JSON.parse(line) as Record<string, unknown>;
      if (message.ready) return;
      this.answers.shift()?.(message);
    });
  }

  static async start(endpoint: string, room: string, name: string): Promise<ViewerProcess> {
    const child = spawn(process.execPath, [viewersFile, endpoint, room, name], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, BENCH_MAX_LIFETIME_MS: '900000' },
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the viewer process did not start in 10 s')), 10_000);
      child.once('exit', (code) => reject(new Error(`the viewer process exited (${code})`)));
      createInterface({ input: child.stdout! }).once('line', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return new ViewerProcess(child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  private ask<T>(command: object, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the viewer process did not answer ${JSON.stringify(command)} in ${timeoutMs} ms`)), timeoutMs);
      this.answers.push((value) => {
        clearTimeout(timer);
        resolve(value as T);
      });
      this.child.stdin!.write(`${JSON.stringify(command)}\n`);
    });
  }

  add(count: number): Promise<{ added: number; failed: number; error?: string }> {
    return this.ask({ add: count }, 120_000);
  }

  async sample(): Promise<[number, number, number, number, number][]> {
    return (await this.ask<{ sample: [number, number, number, number, number][] }>({ sample: true }, 10_000)).sample;
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) / 2)]!;
};

/**
 * One Chromium publisher (fake camera and microphone, video capped at 0.5 Mbit/s with
 * `setParameters`) through MWSE (a process of its own) and a real Janus; headless viewers
 * (`node-datachannel`, one process of their own) are added step by step up to each count in
 * `steps`, and over a `seconds` window at each step: the publisher's send rate (its own
 * `getStats`), every viewer's receive rate, and the CPU of Janus, MWSE and the viewer process
 * from /proc. A step whose viewers fail to connect stops the climb.
 */
export async function headless(steps: number[], seconds = 10): Promise<HeadlessStep[]> {
  const base = 20000 + Math.floor(Math.random() * 40) * 1000;
  // A port per viewer connection and the mountpoint's, with room to spare.
  const janus = await startJanus({ rtpPorts: [base, base + Math.max(...steps) * 2 + 200] });
  const publicDir = mkdtempSync(join(tmpdir(), 'mwse-bench-headless-'));
  writeFileSync(join(publicDir, 'bench.html'), PAGE);
  const server = await ServerProcess.start({ file: serverFile, args: [janus.url, publicDir], maxLifetimeMs: 900_000 });
  const browser = await launchChromium({ media: true });
  let viewerProcess: ViewerProcess | undefined;
  const results: HeadlessStep[] = [];
  try {
    const origin = `http://127.0.0.1:${server.port}`;
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${origin}/bench.html`);
    await page.waitForFunction('window.ready === true');
    await page.evaluate(`(async () => {
      window.mwse = new MWSE(); await mwse.scope();
      window.room = mwse.room({ name: 'headless', mode: 'broadcast', ifexistsJoin: true }); await room.createRoom();
      const stream = await MediaSources.cameraAndMic({ video: { width: 1280, height: 720, frameRate: 30 } });
      window.live = await room.broadcast.publish(stream, { name: 'main' });
      const sender = live.pc.getSenders().find((s) => s.track && s.track.kind === 'video');
      const parameters = sender.getParameters();
      parameters.encodings[0].maxBitrate = ${PUBLISH_BITRATE};
      await sender.setParameters(parameters);
      window.stats = async () => { const out = []; (await sender.getStats()).forEach((s) => { if (s.type === 'outbound-rtp') out.push(s); }); return out; };
      window.sent = async () => {
        let bytes = 0, packets = 0, frames = 0, rtxPackets = 0, rtxBytes = 0;
        (await sender.getStats()).forEach((s) => { if (s.type === 'outbound-rtp') { bytes += s.bytesSent + (s.headerBytesSent || 0); packets += s.packetsSent; frames += s.framesSent; rtxPackets += s.retransmittedPacketsSent || 0; rtxBytes += s.retransmittedBytesSent || 0; } });
        return [bytes, packets, frames, rtxPackets, rtxBytes];
      };
    })()`);
    // Let the bandwidth estimate ramp the encoder up to its cap before anyone watches: until a
    // second's send rate is within 10% of it (bounded: 40 s; the run goes on at whatever rate it has).
    let before = (await page.evaluate('sent()')) as number[];
    const rampStart = performance.now();
    for (let i = 0; i < 40; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      const now = (await page.evaluate('sent()')) as number[];
      const rate = (now[0]! - before[0]!) * 8;
      before = now;
      if (rate >= PUBLISH_BITRATE * 0.9) break;
    }
    console.error(`[headless] publisher ramped up for ${((performance.now() - rampStart) / 1000).toFixed(1)} s`);
    if (process.env.BENCH_DEBUG) console.error(JSON.stringify(await page.evaluate('stats()')));
    viewerProcess = await ViewerProcess.start(`ws://127.0.0.1:${server.port}`, 'headless', 'main');
    let asked = 0;
    let failed = 0;
    let error: string | undefined;
    for (const target of steps) {
      if (target > asked) {
        const added = await viewerProcess.add(target - asked);
        asked = target;
        failed += added.failed;
        error ??= added.error;
      }
      // Let the new viewers' DTLS and first keyframe pass before the window opens.
      await new Promise((r) => setTimeout(r, 4000));
      const cpu = () => ({ janus: processCpuSeconds(janus.pid!), mwse: server.cpuSeconds(), viewers: processCpuSeconds(viewerProcess!.pid), machine: machineBusySeconds() });
      const cpu0 = cpu();
      const [sent0, counts0] = await Promise.all([page.evaluate('sent()') as Promise<number[]>, viewerProcess.sample()]);
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, seconds * 1000));
      const [sent1, counts1] = await Promise.all([page.evaluate('sent()') as Promise<number[]>, viewerProcess.sample()]);
      const cpu1 = cpu();
      const window = (performance.now() - t0) / 1000;
      const sendPackets = sent1[1]! - sent0[1]!;
      const sendFrames = sent1[2]! - sent0[2]!;
      if (process.env.BENCH_DEBUG) console.error(JSON.stringify({ sent0, sent1, first0: counts0[0], first1: counts1[0] }));
      const rates = counts0.map((c, i) => ((counts1[i]![0] - c[0]) * 8) / 1000 / window);
      const ratios = counts0.map((c, i) => (sendPackets > 0 ? (counts1[i]![1] - c[1]) / sendPackets : 0));
      const frameRatios = counts0.map((c, i) => (sendFrames > 0 ? (counts1[i]![4] - c[4]) / sendFrames : 0));
      const step: HeadlessStep = {
        viewers: counts0.length,
        asked,
        failed,
        ...(error === undefined ? {} : { error }),
        seconds: window,
        sendKbps: ((sent1[0]! - sent0[0]!) * 8) / 1000 / window,
        sendFps: sendFrames / window,
        frameRatioMedian: median(frameRatios),
        frameRatioMin: Math.min(...frameRatios),
        sendPps: sendPackets / window,
        recvMedianKbps: median(rates),
        recvMinKbps: Math.min(...rates),
        packetRatioMedian: median(ratios),
        packetRatioMin: Math.min(...ratios),
        janusCore: (cpu1.janus - cpu0.janus) / window,
        mwseCore: (cpu1.mwse - cpu0.mwse) / window,
        viewersCore: (cpu1.viewers - cpu0.viewers) / window,
        machineCore: (cpu1.machine - cpu0.machine) / window,
        load: loadavg()[0]!,
      };
      results.push(step);
      console.error(`[headless] ${JSON.stringify(step)}`);
      if (failed > asked / 2) break;
    }
    return results;
  } finally {
    if (process.env.BENCH_DEBUG) console.error(janus.output());
    await viewerProcess?.stop();
    await browser.close();
    await server.stop();
    await janus.stop();
    rmSync(publicDir, { recursive: true, force: true });
  }
}
