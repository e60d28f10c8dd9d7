/** The first block of a socket id: enough to tell peers apart on screen. */
export function shortId(socketId: string): string {
  return socketId.length > 8 ? socketId.slice(0, 8) : socketId;
}

/** A one-line preview of any JSON value, cut at `max` characters. */
export function preview(value: unknown, max = 80): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (value === undefined) text = 'undefined';
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  text = text.replace(/\s+/g, ' ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The whole value, indented, for a preview pane. */
export function pretty(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/** `14:03:27`, local time. */
export function clock(at: number): string {
  return new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

/** What went wrong, in one line: an SDK error shows its stable code first. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/**
 * What a person typed into a message box: JSON when it parses (`{"a":1}`, `42`, `true`), else the
 * text itself.
 */
export function parseInput(text: string): unknown {
  const trimmed = text.trim();
  try {
    return JSON.parse(trimmed);
  } catch {
    return text;
  }
}
