import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callPair, settled } from './callPair.js';
import { closePages, startHarness, type Harness } from './harness.js';

const MiB = 1024 * 1024;

describe('data channels and files between two pages', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('the primary channel carries JSON and binary, and reopens after either side closes it', async () => {
    const [a, b] = await callPair(harness);
    await settled(a, b.socketId);
    // Sent before the channel is open on b's side: queued, not lost.
    await a.page.evaluate((id) => {
      T.rtcOf(id).send({ n: 1 });
      T.rtcOf(id).send('two');
      T.rtcOf(id).send(new Uint8Array(1000));
    }, b.socketId);
    expect(
      await b.page.evaluate((id) => T.until(() => logs[id].data.length >= 3 && logs[id].data, 10000, 'data'), a.socketId),
    ).toEqual([{ n: 1 }, 'two', { bytes: 1000 }]);

    // Close it from each side in turn: the creator (impolite side) opens a new one each time.
    for (const [closer, other] of [[a, b], [b, a], [a, b]] as const) {
      const opensBefore = await closer.page.evaluate((id) => logs[id].channel.filter((e: string) => e === 'open').length, other.socketId);
      await closer.page.evaluate((id) => T.rtcOf(id).channel.close(), other.socketId);
      for (const [self, peer] of [[closer, other], [other, closer]] as const) {
        await self.page
          .evaluate(
            ([id, opens]) =>
              T.until(() => logs[id].channel.filter((e: string) => e === 'open').length > opens && T.rtcOf(id).channel?.readyState === 'open', 10000, 'reopened'),
            [peer.socketId, opensBefore] as const,
          )
          .catch(async (error: unknown) => {
            // Say where each side stands, so a failure here can be read without a rerun.
            const sides = await Promise.all(
              [[a, b], [b, a]].map(([side, remote]) => side!.page.evaluate((id) => T.channelState(id), remote!.socketId).catch(String)),
            );
            throw new Error(`${String(error)} (${self === a ? 'a' : 'b'}, after ${closer === a ? 'a' : 'b'} closed); a: ${JSON.stringify(sides[0])}; b: ${JSON.stringify(sides[1])}`);
          });
      }
      const text = `after ${closer === a ? 'a' : 'b'} closed`;
      await other.page.evaluate(([id, text]) => T.rtcOf(id).send({ text }), [closer.socketId, text] as const);
      expect(
        await closer.page.evaluate(
          ([id, text]) => T.until(() => logs[id].data.some((d: { text?: string }) => d.text === text), 10000, 'message after reopen'),
          [other.socketId, text] as const,
        ),
      ).toBe(true);
    }
    const events = await a.page.evaluate((id) => logs[id].channel, b.socketId);
    expect(events.filter((e: string) => e === 'close')).toHaveLength(3);
    expect(await a.errors()).toEqual([]);
    expect(await b.errors()).toEqual([]);
    await closePages([a, b]);
  });

  it('sends a 20 MiB file over parallel channels: same SHA-256, progress on both sides', async () => {
    const [a, b] = await callPair(harness);
    await settled(a, b.socketId);
    const sent = await a.page.evaluate(
      async ([id, size]) => {
        const file = T.randomFile(size, 'big.bin', 'application/x-test');
        const progress: number[] = [];
        const started = performance.now();
        let channels = 0;
        const pc = T.rtcOf(id).connection;
        const original = pc.createDataChannel.bind(pc);
        pc.createDataChannel = (label: string, init: RTCDataChannelInit) => {
          if (label.startsWith('mwse-file:')) channels++;
          return original(label, init);
        };
        await T.rtcOf(id).sendFile(file, { onProgress: (t: { transferred: number }) => progress.push(t.transferred) });
        return {
          sha: await T.sha256(file),
          ms: performance.now() - started,
          progress: progress.length,
          last: progress.at(-1),
          monotonic: progress.every((v, i) => i === 0 || v >= progress[i - 1]!),
          channels,
        };
      },
      [b.socketId, 20 * MiB] as const,
    );
    const received = await b.page.evaluate(
      (id) => T.until(() => logs[id].files[0], 20000, 'the file').then(() => ({ file: logs[id].files[0], incoming: logs[id].incoming, progressIn: logs[id].progressIn })),
      a.socketId,
    );
    expect(received.file).toEqual({ name: 'big.bin', size: 20 * MiB, type: 'application/x-test', sha: sent.sha, isFile: true });
    expect(received.incoming).toEqual([{ name: 'big.bin', size: 20 * MiB, type: 'application/x-test' }]);
    expect(received.progressIn).toBeGreaterThan(2);
    expect(sent.channels).toBe(4);
    expect(sent.progress).toBeGreaterThan(2);
    expect(sent.monotonic).toBe(true);
    expect(sent.last).toBe(20 * MiB);
    // The transfer left nothing open but the primary channel.
    expect(await a.page.evaluate((id) => T.rtcOf(id).transfers.length, b.socketId)).toBe(0);
    expect(await a.errors()).toEqual([]);
    expect(await b.errors()).toEqual([]);
    console.info(`20 MiB in ${Math.round(sent.ms)} ms`);
    await closePages([a, b]);
  });

  it('reports a transfer cancelled by the receiver, or by the sender, on both sides', async () => {
    const [a, b] = await callPair(harness);
    await settled(a, b.socketId);

    // The receiver cancels once bytes flow.
    await b.page.evaluate((id) => {
      T.rtcOf(id).on('file/progress', (t: { name: string; direction: string; transferred: number; cancel(): void }) => {
        if (t.name === 'one.bin' && t.direction === 'receive' && t.transferred > 1024 * 1024) t.cancel();
      });
    }, a.socketId);
    const bySender = await a.page.evaluate(async (id) => {
      try {
        await T.rtcOf(id).sendFile(T.randomFile(20 * 1024 * 1024, 'one.bin'));
        return 'resolved';
      } catch (error: any) {
        return { name: error.name, code: error.code, by: error.by };
      }
    }, b.socketId);
    expect(bySender).toEqual({ name: 'FileTransferError', code: 'cancelled', by: 'remote' });
    expect(await b.page.evaluate((id) => logs[id].cancels, a.socketId)).toEqual([
      { code: 'cancelled', by: 'local', direction: 'receive' },
    ]);
    expect(await a.page.evaluate((id) => logs[id].cancels, b.socketId)).toEqual([
      { code: 'cancelled', by: 'remote', direction: 'send' },
    ]);

    // The sender aborts mid-way.
    const byAbort = await a.page.evaluate(async (id) => {
      const controller = new AbortController();
      try {
        await T.rtcOf(id).sendFile(T.randomFile(20 * 1024 * 1024, 'two.bin'), {
          signal: controller.signal,
          onProgress: (t: { transferred: number }) => t.transferred > 1024 * 1024 && controller.abort(),
        });
        return 'resolved';
      } catch (error: any) {
        return { code: error.code, by: error.by };
      }
    }, b.socketId);
    expect(byAbort).toEqual({ code: 'cancelled', by: 'local' });
    expect(
      await b.page.evaluate((id) => T.until(() => logs[id].cancels.length === 2 && logs[id].cancels[1], 10000, 'second cancel'), a.socketId),
    ).toEqual({ code: 'cancelled', by: 'remote', direction: 'receive' });
    expect(await b.page.evaluate((id) => logs[id].files.length, a.socketId)).toBe(0);

    // A transfer broken by the connection closing is reported too.
    const broken = await a.page.evaluate(async (id) => {
      const rtc = T.rtcOf(id);
      const sending = rtc.sendFile(T.randomFile(20 * 1024 * 1024, 'three.bin'), {
        onProgress: (t: { transferred: number }) => t.transferred > 1024 * 1024 && rtc.close(),
      });
      try {
        await sending;
        return { code: 'resolved' };
      } catch (error: any) {
        return { code: error.code as string };
      }
    }, b.socketId);
    expect(['closed', 'broken']).toContain(broken.code);
    const third = await b.page.evaluate((id) => T.until(() => logs[id].cancels[2], 10000, 'third cancel'), a.socketId);
    expect(third).toMatchObject({ by: expect.any(String), direction: 'receive' });
    expect(['broken', 'closed']).toContain(third.code);

    // a hung up (rtc.close() above): b heard it. a calls again; b answers on `incoming`.
    expect(await b.page.evaluate((id) => T.until(() => logs[id].closes.length > 0 && logs[id].closes, 10000, 'close'), a.socketId)).toEqual([
      'remote',
    ]);
    await b.page.evaluate((id) => T.rtcOf(id).once('incoming', () => T.rtcOf(id).connect({ iceServers: [] })), a.socketId);
    await a.page.evaluate((id) => T.rtcOf(id).connect({ iceServers: [] }), b.socketId);
    await settled(a, b.socketId);
    const small = await a.page.evaluate(async (id) => {
      const file = new File(['hello'], 'hello.txt', { type: 'text/plain' });
      await T.rtcOf(id).sendFile(file);
      return T.sha256(file);
    }, b.socketId);
    const got = await b.page.evaluate((id) => T.until(() => logs[id].files[0], 10000, 'small file'), a.socketId);
    expect(got).toMatchObject({ name: 'hello.txt', size: 5, type: 'text/plain', sha: small });
    expect(await b.page.evaluate((id) => logs[id].incomingCalls, a.socketId)).toBe(1);
    expect(await a.page.evaluate((id) => logs[id].closes, b.socketId)).toEqual(['local']);
    await closePages([a, b]);
  });

  it('a client that leaves closes its calls (signalling-lost), and the other side hears peer-gone', async () => {
    const [a, b] = await callPair(harness);
    await settled(a, b.socketId);
    await a.page.evaluate(() => mwse.close());
    expect(await a.page.evaluate((id) => T.until(() => logs[id].closes[0], 5000, 'close'), b.socketId)).toBe('signalling-lost');
    expect(await b.page.evaluate((id) => T.until(() => logs[id].closes[0], 10000, 'close'), a.socketId)).toBe('peer-gone');
    expect(await b.page.evaluate((id) => T.rtcOf(id).state, a.socketId)).toBe('closed');
    await closePages([a, b]);
  });
});
