import { describe, expect, it } from 'vitest';
import { SETUPS, useServer } from './harness.js';

describe.each(SETUPS)('info pool sizes over %s with %s clients', (transport, codec) => {
  const { client } = useServer(transport, { maxInfoBytes: 256, maxRoomInfoBytes: 256 }, codec);

  // The pools counted UTF-16 units, so text outside ASCII held up to three times the bytes
  // MWSE_MAX_INFO_BYTES allows ('€' is one unit and three bytes of UTF-8).
  it('counts peer info in bytes of UTF-8, not in characters', async () => {
    const a = await client();
    await expect(a.me.info.set('k', '€'.repeat(100))).rejects.toMatchObject({ code: 'too-large' });
    await a.me.info.set('k', '€'.repeat(80));
    expect(await a.me.info.get('k')).toBe('€'.repeat(80));
  });

  it('counts room info in bytes of UTF-8, not in characters', async () => {
    const a = await client();
    const room = a.room({ name: `bytes-${transport}-${codec}` });
    await room.createRoom();
    await expect(room.info.set('k', '😀'.repeat(64))).rejects.toMatchObject({ code: 'too-large' });
    await room.info.set('k', '😀'.repeat(60));
    expect(await room.info.get('k')).toBe('😀'.repeat(60));
  });
});
