import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closePages, startHarness, type Harness } from './harness.js';

describe('a room of three', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('forms a full mesh: every page gets every other page camera and data', async () => {
    const pages = await harness.open(3);
    // One after another, as people arrive.
    for (const page of pages) await page.page.evaluate(() => T.joinMesh('mesh-room'));
    for (const self of pages) {
      const others = pages.filter((p) => p !== self).map((p) => p.socketId);
      const result = await self.page.evaluate(async (others) => {
        const widths: number[] = [];
        for (const id of others) {
          const stream = await T.until(() => logs[id]?.streams.cam, 20000, `cam of ${id}`);
          const video = T.show(stream);
          await T.until(() => video.videoWidth > 0, 10000, 'videoWidth');
          widths.push(video.videoWidth);
          T.rtcOf(id).send({ from: mwse.me.socketId });
        }
        return widths;
      }, others);
      expect(result).toHaveLength(2);
      expect(result.every((w) => w > 0)).toBe(true);
    }
    for (const self of pages) {
      const others = pages.filter((p) => p !== self).map((p) => p.socketId);
      const data = await self.page.evaluate(
        (others) =>
          Promise.all(others.map((id: string) => T.until(() => logs[id].data.find((d: { from?: string }) => d.from === id), 10000, 'data'))),
        others,
      );
      expect(data.map((d: { from: string }) => d.from).sort()).toEqual([...others].sort());
      const frames = await self.page.evaluate(async (others) => {
        const before = await Promise.all(others.map(async (id: string) => (await T.inbound(id)).video.framesDecoded));
        await new Promise((r) => setTimeout(r, 800));
        const after = await Promise.all(others.map(async (id: string) => (await T.inbound(id)).video.framesDecoded));
        return after.map((n: number, i: number) => n - before[i]!);
      }, others);
      expect(frames.every((n: number) => n > 0)).toBe(true);
      expect(await self.errors()).toEqual([]);
    }
    await closePages(pages);
  });
});
