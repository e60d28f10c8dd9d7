import { afterEach, describe, expect, it } from 'vitest';
import { Negotiator } from './Negotiator.js';
import type { SignalBody } from './SignalMessage.js';
import { fakeSdp, FakePeerConnection, jitter, parseFakeSdp } from './test/FakePeerConnection.js';

type Body = Extract<SignalBody, { kind: 'description' | 'candidate' }>;

interface Side {
  pc: FakePeerConnection;
  negotiator: Negotiator;
  failures: Error[];
  sent: Body[];
  /** Stream names received with the other side's descriptions. */
  names: Record<string, string>;
}

/**
 * Two negotiators over fake peer connections, joined by an in-order link per direction (as MWSE
 * delivers signals) with random latency. `hold()` keeps messages back until `release()`.
 */
function pair({ delay = 2, latency = 3 } = {}) {
  let holding = false;
  const held: (() => void)[] = [];
  const chains = new Map<Side, Promise<void>>();
  const make = (polite: boolean): Side => {
    const pc = new FakePeerConnection(delay);
    const side: Side = { pc, failures: [], sent: [], names: {}, negotiator: undefined! };
    side.negotiator = new Negotiator(pc, {
      polite,
      send: (body) => {
        side.sent.push(body);
        pc.trace.push(`send ${show(body)}`);
        const target = side === a ? b : a;
        const deliver = () => {
          const previous = chains.get(side) ?? Promise.resolve();
          chains.set(
            side,
            previous
              .then(() => jitter(latency))
              .then(() => {
                target.pc.trace.push(`receive ${show(body)}`);
                target.negotiator.receive(body);
              }),
          );
        };
        if (holding) held.push(deliver);
        else deliver();
      },
      localStreams: () => ({ [`stream-of-${polite ? 'polite' : 'impolite'}`]: polite ? 'p' : 'i' }),
      remoteStreams: (names) => (side.names = names),
      failed: (error) => side.failures.push(error),
    });
    return side;
  };
  const a: Side = make(true);
  const b: Side = make(false);
  return {
    polite: a,
    impolite: b,
    hold: () => (holding = true),
    release: () => {
      holding = false;
      for (const deliver of held.splice(0)) deliver();
    },
  };
}

/** One negotiator over a fake peer connection with no one on the other end; what it sends and reports is kept. */
function alone(polite: boolean, delay = 0) {
  const pc = new FakePeerConnection(delay);
  const failures: Error[] = [];
  const sent: Body[] = [];
  const negotiator = new Negotiator(pc, {
    polite,
    send: (body) => sent.push(body),
    localStreams: () => ({}),
    remoteStreams: () => {},
    failed: (error) => failures.push(error),
  });
  return { pc, negotiator, failures, sent };
}

const show = (body: Body) =>
  body.kind === 'description' ? `${body.description.type} #${parseFakeSdp(body.description.sdp!).serial}` : 'candidate';

const offersSent = (side: Side) =>
  side.sent.filter((m) => m.kind === 'description' && m.description.type === 'offer').length;

/** Polls until both sides are stable and each has the other's tracks, or throws after `timeout`. */
async function settle(p: Side, q: Side, timeout = 3000): Promise<void> {
  const started = Date.now();
  const same = (x: Iterable<string>, y: Iterable<string>) => [...x].sort().join() === [...y].sort().join();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    const done =
      p.pc.signalingState === 'stable' &&
      q.pc.signalingState === 'stable' &&
      same(p.pc.remoteTracks, q.pc.localTracks) &&
      same(q.pc.remoteTracks, p.pc.localTracks);
    if (done) {
      // Stable for a moment longer: no negotiation still on its way.
      await new Promise((resolve) => setTimeout(resolve, 30));
      if (p.pc.signalingState === 'stable' && q.pc.signalingState === 'stable') return;
    }
    if (Date.now() - started > timeout) {
      throw new Error(
        `not settled: ${p.pc.signalingState}/${q.pc.signalingState}, ` +
          `p sends ${[...p.pc.localTracks]} q sees ${q.pc.remoteTracks}; q sends ${[...q.pc.localTracks]} p sees ${p.pc.remoteTracks}`,
      );
    }
  }
}

describe('Negotiator (perfect negotiation over fake peer connections)', () => {
  const open: Side[] = [];
  afterEach(() => {
    for (const side of open.splice(0)) {
      side.negotiator.close();
      side.pc.close();
    }
  });
  const track = (...sides: Side[]) => open.push(...sides);

  it('one side adds a track: one offer, one answer, both stable, and the stream names travel', async () => {
    const { polite, impolite } = pair();
    track(polite, impolite);
    impolite.pc.addTrack('cam');
    await settle(polite, impolite);
    expect(polite.pc.remoteTracks).toEqual(['cam']);
    expect(offersSent(impolite)).toBe(1);
    expect(offersSent(polite)).toBe(0);
    expect(polite.names).toEqual({ 'stream-of-impolite': 'i' });
    expect(impolite.names).toEqual({ 'stream-of-polite': 'p' });
    expect([...polite.failures, ...impolite.failures]).toEqual([]);
  });

  // Regression: both sides offered on the very first exchange; Chromium then gathered no
  // candidates on the polite side (its first offer rolled back) and the call never connected.
  it('the polite side waits for the first offer and answers it, with no collision', async () => {
    const { polite, impolite } = pair();
    track(polite, impolite);
    polite.pc.addTrack('polite-cam');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(polite.sent).toEqual([]);
    impolite.pc.addTrack('channel');
    await settle(polite, impolite);
    const descriptions = polite.sent.flatMap((m) => (m.kind === 'description' ? [m.description.type] : []));
    expect(descriptions[0]).toBe('answer');
    expect(polite.pc.rollbacks).toBe(0);
    expect(impolite.pc.remoteTracks).toEqual(['polite-cam']);
    expect([...polite.failures, ...impolite.failures]).toEqual([]);
  });

  it('glare: both offer at once; the polite side rolls back and answers, the impolite one ignores', async () => {
    const { polite, impolite, hold, release } = pair();
    track(polite, impolite);
    // Connected first (the first offer is always the impolite side's), then both change at once.
    impolite.pc.addTrack('channel');
    await settle(polite, impolite);
    hold();
    polite.pc.addTrack('polite-cam');
    impolite.pc.addTrack('impolite-cam');
    for (let i = 0; i < 100 && (polite.pc.signalingState !== 'have-local-offer' || impolite.pc.signalingState !== 'have-local-offer'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect([polite.pc.signalingState, impolite.pc.signalingState]).toEqual(['have-local-offer', 'have-local-offer']);
    release();
    await settle(polite, impolite);
    expect(polite.pc.rollbacks).toBe(1);
    expect(impolite.pc.rollbacks).toBe(0);
    // The polite side's track went through its own offer after the collision.
    expect(offersSent(polite)).toBe(2);
    expect(impolite.pc.remoteTracks).toEqual(['polite-cam']);
    expect(polite.pc.remoteTracks.sort()).toEqual(['channel', 'impolite-cam']);
    // Candidates of the ignored offer failed to apply, and were not reported as failures.
    expect([...polite.failures, ...impolite.failures]).toEqual([]);
  });

  it('settles under random track changes on both sides with random latency (60 rounds)', async () => {
    let rollbacks = 0;
    for (let round = 0; round < 60; round++) {
      const { polite, impolite } = pair({ delay: 3, latency: 4 });
      track(polite, impolite);
      // As RTCEngine does: the impolite side opens with something to offer (its data channel).
      impolite.pc.addTrack('channel');
      const sides = [polite, impolite];
      for (let step = 0; step < 4; step++) {
        const side = sides[Math.floor(Math.random() * 2)]!;
        const name = `t${Math.floor(Math.random() * 3)}`;
        if (side.pc.localTracks.has(name)) side.pc.removeTrack(name);
        else side.pc.addTrack(name);
        await jitter(6);
      }
      await settle(polite, impolite).catch(() => {});
      if (polite.failures.length || impolite.failures.length) {
        console.log(`polite:\n  ${polite.pc.trace.join('\n  ')}\nimpolite:\n  ${impolite.pc.trace.join('\n  ')}`);
      }
      await settle(polite, impolite);
      expect([...polite.failures.map((e) => `polite: ${e.message}`), ...impolite.failures.map((e) => `impolite: ${e.message}`)], `round ${round}`).toEqual([]);
      rollbacks += polite.pc.rollbacks;
      for (const side of open.splice(0)) {
        side.negotiator.close();
        side.pc.close();
      }
    }
    // Collisions did happen (and were resolved) along the way.
    expect(rollbacks).toBeGreaterThan(0);
  }, 60_000);

  it('an ICE restart renegotiates with new credentials on both sides', async () => {
    const { polite, impolite } = pair();
    track(polite, impolite);
    impolite.pc.addTrack('cam');
    await settle(polite, impolite);
    const before = [polite.pc.ufrag, impolite.pc.ufrag];
    polite.negotiator.restartIce();
    await settle(polite, impolite);
    expect(polite.pc.ufrag).not.toBe(before[0]);
    expect(impolite.pc.ufrag).not.toBe(before[1]);
    expect(offersSent(polite)).toBe(1);
    expect([...polite.failures, ...impolite.failures]).toEqual([]);
  });

  it('both sides restart ICE at once (both saw the failure) and still settle', async () => {
    const { polite, impolite } = pair();
    track(polite, impolite);
    impolite.pc.addTrack('cam');
    await settle(polite, impolite);
    const before = [polite.pc.ufrag, impolite.pc.ufrag];
    polite.negotiator.restartIce();
    impolite.negotiator.restartIce();
    await settle(polite, impolite);
    expect(polite.pc.ufrag).not.toBe(before[0]);
    expect(impolite.pc.ufrag).not.toBe(before[1]);
    expect([...polite.failures, ...impolite.failures]).toEqual([]);
  });

  it('handles messages in order: a candidate right behind its offer waits for it', async () => {
    const { pc, negotiator, failures } = alone(true, 5);
    const sdp = fakeSdp({ tracks: ['x'], ufrag: 'r1', serial: 1 });
    negotiator.receive({ kind: 'description', description: { type: 'offer', sdp }, streams: {} });
    negotiator.receive({ kind: 'candidate', candidate: { candidate: 'c1', usernameFragment: 'r1' } });
    await negotiator.settled();
    expect(failures).toEqual([]);
    expect(pc.candidates).toEqual(['c1']);
    expect(pc.signalingState).toBe('stable');
    negotiator.close();
  });

  it('drops late candidates of the ICE generation before a restart, reports other candidate failures', async () => {
    const { pc, negotiator, failures } = alone(true);
    // A candidate before any description cannot be stale: that is a real failure.
    negotiator.receive({ kind: 'candidate', candidate: { candidate: 'c0', usernameFragment: 'r1' } });
    for (const [ufrag, serial] of [['r1', 1], ['r2', 2]] as const) {
      const sdp = fakeSdp({ tracks: [], ufrag, serial });
      negotiator.receive({ kind: 'description', description: { type: 'offer', sdp }, streams: {} });
    }
    negotiator.receive({ kind: 'candidate', candidate: { candidate: 'late', usernameFragment: 'r1' } });
    negotiator.receive({ kind: 'candidate', candidate: { candidate: 'current', usernameFragment: 'r2' } });
    await negotiator.settled();
    expect(failures.map((e) => e.name)).toEqual(['InvalidStateError']);
    expect(pc.candidates).toEqual(['current']);
    negotiator.close();
  });

  it('reports a broken remote description instead of throwing', async () => {
    const { pc, negotiator, failures } = alone(false);
    // An answer with no offer out: the connection refuses it.
    const sdp = fakeSdp({ tracks: [], ufrag: 'r', serial: 1 });
    negotiator.receive({ kind: 'description', description: { type: 'answer', sdp }, streams: {} });
    await negotiator.settled();
    expect(failures.map((e) => e.name)).toEqual(['InvalidStateError']);
    // A later valid message is still handled.
    negotiator.receive({ kind: 'description', description: { type: 'offer', sdp }, streams: {} });
    await negotiator.settled();
    expect(pc.signalingState).toBe('stable');
    negotiator.close();
  });

  // Regression: with setLocalDescription() resolving late, its continuation in the
  // negotiationneeded handler found the answer the message handler had just sent in
  // localDescription, and sent it again: the other side failed with "answer in stable".
  it('does not send an answer twice when a remote offer overtakes a local one (polite side)', async () => {
    let finishOffer!: () => void;
    const pc = Object.assign(new EventTarget(), {
      signalingState: 'stable' as RTCSignalingState,
      localDescription: null as { type: RTCSdpType; sdp: string } | null,
      // Connected once already (a polite side makes no offer before that).
      remoteDescription: { type: 'answer' as RTCSdpType, sdp: 'v=0\r\no=- 9 1 IN IP4 0.0.0.0\r\n' },
      async setLocalDescription() {
        if (pc.signalingState === 'have-remote-offer') {
          pc.localDescription = { type: 'answer', sdp: 'v=0\r\no=- 7 2 IN IP4 0.0.0.0\r\n' };
          pc.signalingState = 'stable';
          return;
        }
        pc.localDescription = { type: 'offer', sdp: 'v=0\r\no=- 7 1 IN IP4 0.0.0.0\r\n' };
        pc.signalingState = 'have-local-offer';
        await new Promise<void>((resolve) => (finishOffer = resolve));
      },
      async setRemoteDescription() {
        // Implicit rollback of the local offer, then the remote one applies.
        pc.localDescription = null;
        pc.signalingState = 'have-remote-offer';
      },
      async addIceCandidate() {},
      restartIce() {},
    });
    const sent: Body[] = [];
    const negotiator = new Negotiator(pc, {
      polite: true,
      send: (body) => sent.push(body),
      localStreams: () => ({}),
      remoteStreams: () => {},
      failed: (error) => {
        throw error;
      },
    });
    pc.dispatchEvent(new Event('negotiationneeded'));
    negotiator.receive({ kind: 'description', description: { type: 'offer', sdp: 'remote' }, streams: {} });
    await negotiator.settled();
    finishOffer();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(sent.map((m) => m.kind === 'description' && m.description.type)).toEqual(['answer']);
    negotiator.close();
  });

  it('ignores messages after close', async () => {
    const { pc, negotiator, sent } = alone(true);
    negotiator.close();
    pc.addTrack('cam');
    const sdp = fakeSdp({ tracks: [], ufrag: 'r', serial: 1 });
    negotiator.receive({ kind: 'description', description: { type: 'offer', sdp }, streams: {} });
    await negotiator.settled();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sent).toEqual([]);
    expect(pc.signalingState).toBe('stable');
  });
});
