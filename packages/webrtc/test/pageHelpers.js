// Helpers loaded into each test page (as /helpers.js). Plain JavaScript: the page runs it as is.

const mwse = () => window.mwse;

/** The engine for the peer `id`. */
export const rtcOf = (id) => mwse().peer(id).rtc;

/** Trusts each of `ids` (pair-auth lets their signalling through). */
export async function pairWith(ids) {
  for (const id of ids) await mwse().peer(id).acceptPair();
}

/** Records what the engine for `id` reports, in `window.logs[id]`. */
export function watch(id) {
  window.logs ??= {};
  if (window.logs[id]) return window.logs[id];
  const rtc = rtcOf(id);
  const log = {
    localOffers: 0,
    remoteOffers: 0,
    streams: {},
    removed: [],
    data: [],
    channel: [],
    files: [],
    incoming: [],
    progressIn: 0,
    progressOut: 0,
    cancels: [],
    states: [],
    errors: [],
    restarts: [],
    incomingCalls: 0,
    closes: [],
  };
  rtc.on('incoming', () => log.incomingCalls++);
  rtc.on('close', (reason) => log.closes.push(reason));
  rtc.on('negotiation', (description, origin) => {
    if (description.type !== 'offer') return;
    if (origin === 'local') log.localOffers++;
    else log.remoteOffers++;
  });
  rtc.on('stream', (stream, name) => (log.streams[name] = stream));
  rtc.on('stream/removed', (_stream, name) => log.removed.push(name));
  rtc.on('data', (data) => log.data.push(data instanceof ArrayBuffer ? { bytes: data.byteLength } : data));
  rtc.on('channel/open', () => log.channel.push('open'));
  rtc.on('channel/close', () => log.channel.push('close'));
  rtc.on('file/incoming', (t) => log.incoming.push({ name: t.name, size: t.size, type: t.type }));
  rtc.on('file', async (file) => {
    log.files.push({ name: file.name, size: file.size, type: file.type, sha: await sha256(file), isFile: file instanceof File });
  });
  rtc.on('file/progress', (t) => (t.direction === 'receive' ? log.progressIn++ : log.progressOut++));
  rtc.on('file/cancel', (e) => log.cancels.push({ code: e.code, by: e.by, direction: e.transfer.direction }));
  rtc.on('state', (state) => log.states.push(state));
  rtc.on('icerestart', (reason) => log.restarts.push(reason));
  rtc.on('error', (error) => log.errors.push(String(error)));
  window.logs[id] = log;
  return log;
}

/** Watches and connects to `id`, without STUN (one machine). */
export function connect(id, options = {}) {
  watch(id);
  rtcOf(id).connect({ iceServers: [], ...options });
}

/** Hex SHA-256 of a Blob. */
export async function sha256(blob) {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** A File of `size` random bytes. */
export function randomFile(size, name = 'random.bin', type = 'application/octet-stream') {
  const parts = [];
  for (let left = size; left > 0; left -= 65536) {
    parts.push(crypto.getRandomValues(new Uint8Array(Math.min(65536, left))));
  }
  return new File(parts, name, { type });
}

/** Inbound RTP totals per kind for the connection with `id`. */
export async function inbound(id) {
  const report = await rtcOf(id).getStats();
  const totals = { video: { framesDecoded: 0, frameWidth: 0, packets: 0 }, audio: { samples: 0, packets: 0 } };
  report?.forEach((stat) => {
    if (stat.type !== 'inbound-rtp') return;
    if (stat.kind === 'video') {
      totals.video.framesDecoded += stat.framesDecoded ?? 0;
      totals.video.frameWidth = Math.max(totals.video.frameWidth, stat.frameWidth ?? 0);
      totals.video.packets += stat.packetsReceived ?? 0;
    } else if (stat.kind === 'audio') {
      totals.audio.samples += stat.totalSamplesReceived ?? 0;
      totals.audio.packets += stat.packetsReceived ?? 0;
    }
  });
  return totals;
}

/** The ICE username fragment of a description. */
export function ufrag(description) {
  return /a=ice-ufrag:(\S+)/.exec(description?.sdp ?? '')?.[1];
}

/** A muted, playing <video> of `stream`. */
export function show(stream) {
  const video = document.createElement('video');
  video.muted = true;
  video.autoplay = true;
  video.playsInline = true;
  video.srcObject = stream;
  document.body.append(video);
  void video.play().catch(() => {});
  return video;
}

/** Average colour of a video's current frame (or a region of it), as [r, g, b]. */
export function averageColour(source, region) {
  const width = source.videoWidth ?? source.width;
  const height = source.videoHeight ?? source.height;
  const { x = 0, y = 0, w = width, h = height } = region ?? {};
  const canvas = document.createElement('canvas');
  canvas.width = 32;
  canvas.height = 32;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(source, x, y, w, h, 0, 0, 32, 32);
  const data = ctx.getImageData(0, 0, 32, 32).data;
  const sum = [0, 0, 0];
  for (let i = 0; i < data.length; i += 4) for (let c = 0; c < 3; c++) sum[c] += data[i + c];
  return sum.map((v) => Math.round(v / (data.length / 4)));
}

/** A video track of a solid colour, drawn on a canvas. */
export function solidTrack(colour, width = 320, height = 240) {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  const paint = () => {
    ctx.fillStyle = colour;
    ctx.fillRect(0, 0, width, height);
  };
  paint();
  setInterval(paint, 50);
  return canvas.captureStream(20).getVideoTracks()[0];
}

/**
 * Holds the signalling this page sends to `id` until `release()`: lets a test make both sides
 * offer before either sees the other's offer (glare on purpose).
 */
export function gateSignals(id) {
  const peer = mwse().peer(id);
  const original = peer.signal.bind(peer);
  const held = [];
  let holding = true;
  peer.signal = (data) => (holding ? held.push(data) : original(data));
  return {
    held,
    release() {
      holding = false;
      for (const data of held.splice(0)) original(data);
    },
  };
}

/** Where the primary channel toward `id` and the connection under it stand, for failure messages. */
export function channelState(id) {
  const rtc = rtcOf(id);
  const { channel, connection } = rtc;
  return {
    events: window.logs?.[id]?.channel,
    channel: channel && { id: channel.id, state: channel.readyState, buffered: channel.bufferedAmount },
    pc: connection?.connectionState,
    ice: connection?.iceConnectionState,
    sctp: connection?.sctp?.state,
    rtc: rtc.state,
  };
}

/** Resolves when `check()` is truthy (polled), or rejects after `timeout` ms. */
export function until(check, timeout = 15000, what = 'condition') {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = async () => {
      try {
        const value = await check();
        if (value) return resolve(value);
      } catch (error) {
        return reject(error);
      }
      if (Date.now() - started > timeout) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(poll, 50);
    };
    poll();
  });
}

/**
 * Joins room `name` the way the demos do: trusts every member and newcomer, and on each
 * `accepted/pair` connects to that peer and sends the camera as 'cam'.
 */
export async function joinMesh(name) {
  const client = mwse();
  const started = new Set();
  window.camera ??= W.MediaSources.camera({ width: 320, height: 240 });
  client.on('accepted/pair', async (peer) => {
    if (started.has(peer.socketId)) return;
    started.add(peer.socketId);
    connect(peer.socketId);
    rtcOf(peer.socketId).addStream('cam', await window.camera);
  });
  const room = client.room({ name, joinType: 'free', ifexistsJoin: true });
  room.on('join', (peer) => peer.acceptPair());
  await room.createRoom();
  for (const peer of await room.fetchPeers()) await peer.acceptPair();
}
