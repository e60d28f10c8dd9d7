const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Fields every pino line has, left out of the pretty line. */
const HIDDEN = new Set(['level', 'time', 'msg', 'name', 'pid', 'hostname', 'err']);

/**
 * A stream pino writes its JSON lines into, which prints each as
 * `12:04:05 WARN  message key=value …`, with an error's stack on the lines after it.
 */
export function prettyStream(out: { write(line: string): unknown }): { write(line: string): void } {
  return {
    write(line) {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        out.write(line);
        return;
      }
      const time = new Date(typeof entry.time === 'number' ? entry.time : Date.now()).toISOString().slice(11, 19);
      const level = (LEVELS[entry.level as number] ?? String(entry.level)).padEnd(5);
      const fields = Object.entries(entry)
        .filter(([key]) => !HIDDEN.has(key))
        .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
        .join(' ');
      const err = entry.err as { stack?: string; message?: string } | undefined;
      const stack = err ? `\n    ${(err.stack ?? err.message ?? '').split('\n').join('\n    ')}` : '';
      out.write(`${time} ${level} ${String(entry.msg ?? '')}${fields ? ` ${fields}` : ''}${stack}\n`);
    },
  };
}
