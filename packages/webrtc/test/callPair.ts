import type { Harness, TestPage } from './harness.js';

/** Two pages paired with each other, each connected to the other with the roles by socket id. */
export async function callPair(harness: Harness): Promise<[TestPage, TestPage]> {
  const [a, b] = (await harness.open(2)) as [TestPage, TestPage];
  await a.page.evaluate((id) => T.pairWith([id]), b.socketId);
  await b.page.evaluate((id) => T.pairWith([id]), a.socketId);
  await Promise.all([
    a.page.evaluate((id) => T.connect(id), b.socketId),
    b.page.evaluate((id) => T.connect(id), a.socketId),
  ]);
  return [a, b];
}

/** Waits in the page until the connection with `id` is connected and signalling is stable. */
export function settled(page: TestPage, id: string) {
  return page.page.evaluate(
    (id) =>
      T.until(() => {
        const pc = T.rtcOf(id).connection;
        return T.rtcOf(id).state === 'connected' && pc.signalingState === 'stable';
      }, 15000, 'connected and stable'),
    id,
  );
}

/** framesDecoded from the connection with `id`, now and `ms` later. */
export function framesOver(page: TestPage, id: string, ms = 1000): Promise<[number, number]> {
  return page.page.evaluate(
    async ([id, ms]) => {
      const before = (await T.inbound(id)).video.framesDecoded;
      await new Promise((r) => setTimeout(r, ms));
      return [before, (await T.inbound(id)).video.framesDecoded] as [number, number];
    },
    [id, ms] as const,
  );
}
