/** Size of the pack every workload sends: a small chat-like JSON object. */
export const PACK_BYTES = 60;

/** A JSON object of exactly `bytes` bytes, the same for every system. */
export function makePack(bytes = PACK_BYTES): string {
  const base = '{"seq":1,"at":1700000000000,"text":""}';
  return `${base.slice(0, -2)}${'x'.repeat(Math.max(0, bytes - base.length))}"}`;
}

/** A request body of about `bytes` bytes carrying the send time, read back from the answer. */
export function timedBody(sentAt: number, bytes = PACK_BYTES): string {
  const base = `{"t":${sentAt.toFixed(3)},"text":""}`;
  return `${base.slice(0, -2)}${'x'.repeat(Math.max(0, bytes - base.length))}"}`;
}
