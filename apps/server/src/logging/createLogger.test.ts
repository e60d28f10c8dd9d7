import { describe, expect, it } from 'vitest';
import { createLogger } from './createLogger.js';

function sink() {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line) };
}

describe('createLogger', () => {
  it('writes pino JSON lines at and above its level', () => {
    const out = sink();
    const log = createLogger('info', 'json', out);
    log.debug({ peer: 'a' }, 'hidden');
    log.warn({ peer: 'a', reason: 'slow-consumer' }, 'connection closed');
    expect(out.lines).toHaveLength(1);
    expect(JSON.parse(out.lines[0]!)).toMatchObject({ level: 40, name: 'mwse', peer: 'a', reason: 'slow-consumer', msg: 'connection closed' });
  });

  it('writes one short line per event in the pretty format, stack indented below', () => {
    const out = sink();
    const log = createLogger('debug', 'pretty', out);
    log.debug({ address: '127.0.0.1' }, 'connected');
    log.error({ err: new TypeError('boom') }, 'handler failed');
    expect(out.lines[0]).toMatch(/^\d\d:\d\d:\d\d DEBUG connected address=127\.0\.0\.1\n$/);
    expect(out.lines[1]).toMatch(/^\d\d:\d\d:\d\d ERROR handler failed\n {4}TypeError: boom\n {8}at /);
  });

  it('logs nothing when silent', () => {
    const out = sink();
    createLogger('silent', 'json', out).error({}, 'x');
    expect(out.lines).toEqual([]);
  });
});
