import { describe, expect, it } from 'vitest';
import {
  chunkCount,
  decodeChunk,
  encodeChunk,
  fileChannelLabel,
  parseControl,
  parseFileChannelLabel,
  type FileHeader,
} from './FileTransfer.js';

const header: FileHeader = {
  id: 'k1-0-abc',
  name: 'résumé 📄.pdf',
  size: 200_000,
  type: 'application/pdf',
  lastModified: 1_700_000_000_000,
  chunkSize: 65_532,
  channels: 4,
};

describe('file transfer framing', () => {
  it('a channel label carries the whole header and its index', () => {
    const label = fileChannelLabel(header, 3);
    expect(parseFileChannelLabel(label)).toEqual({ header, index: 3 });
  });

  it('labels that are not ours, or not valid, give undefined', () => {
    for (const label of [
      'mwse',
      'chat',
      'mwse-file:',
      'mwse-file:{',
      'mwse-file:null',
      fileChannelLabel(header, 4), // index past the channel count
      fileChannelLabel({ ...header, size: -1 }, 0),
      fileChannelLabel({ ...header, chunkSize: 0 }, 0),
      fileChannelLabel({ ...header, channels: 0 }, 0),
      fileChannelLabel({ ...header, name: 5 as unknown as string }, 0),
    ]) {
      expect(parseFileChannelLabel(label), label).toBeUndefined();
    }
  });

  it('chunks carry their index ahead of the bytes', () => {
    const payload = new Uint8Array([1, 2, 3, 250]).buffer;
    const decoded = decodeChunk(encodeChunk(70_000, payload));
    expect(decoded?.index).toBe(70_000);
    expect([...decoded!.payload]).toEqual([1, 2, 3, 250]);
    expect(decodeChunk(new ArrayBuffer(3))).toBeUndefined();
    expect(decodeChunk(encodeChunk(0, new ArrayBuffer(0)))?.payload.byteLength).toBe(0);
  });

  it('counts chunks, the last one short', () => {
    expect(chunkCount(header)).toBe(4);
    expect(chunkCount({ size: 0, chunkSize: 10 })).toBe(0);
    expect(chunkCount({ size: 10, chunkSize: 10 })).toBe(1);
  });

  it('reads control messages and nothing else', () => {
    expect(parseControl('{"t":"done"}')).toEqual({ t: 'done' });
    expect(parseControl('{"t":"cancel"}')).toEqual({ t: 'cancel' });
    expect(parseControl('{"t":"other"}')).toBeUndefined();
    expect(parseControl('null')).toBeUndefined();
    expect(parseControl('not json')).toBeUndefined();
  });
});
