/**
 * WHIP/WHEP endpoint URLs built per session from a template: `{room}`, `{name}` and `{peer}`
 * are replaced by the URL-encoded values, so `https://media/whep/{room}/{name}` and
 * `https://media/play?stream={room}-{name}` both work and a name cannot escape its slot.
 */

export type WhipUrlValues = Record<string, string>;

export interface WhipUrlTemplate {
  readonly template: string;
  expand(values: WhipUrlValues): URL;
}

const PLACEHOLDER = /\{([A-Za-z]+)\}/g;

/**
 * Checks `template` now (an unknown placeholder or a non-http(s) URL throws at start-up rather
 * than on the first publish) and returns its expander.
 *
 * @example
 * compileWhipUrl('http://127.0.0.1:7080/whip/endpoint/{room}-{name}', ['room', 'name', 'peer'])
 *   .expand({ room: 'a b', name: 'cam' }).href // …/whip/endpoint/a%20b-cam
 */
export function compileWhipUrl(template: string, allowed: readonly string[]): WhipUrlTemplate {
  for (const [, key] of template.matchAll(PLACEHOLDER)) {
    if (!allowed.includes(key!)) {
      throw new TypeError(`URL template ${template}: unknown placeholder {${key}} (allowed: ${allowed.map((k) => `{${k}}`).join(' ')})`);
    }
  }
  const probe = new URL(template.replace(PLACEHOLDER, 'x'));
  if (probe.protocol !== 'http:' && probe.protocol !== 'https:') {
    throw new TypeError(`URL template ${template}: only http: and https: URLs`);
  }
  return {
    template,
    expand(values) {
      return new URL(template.replace(PLACEHOLDER, (_, key: string) => encodeURIComponent(values[key] ?? '')));
    },
  };
}
