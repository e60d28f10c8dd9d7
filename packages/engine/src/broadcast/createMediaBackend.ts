import type { MediaBackend } from './MediaBackend.js';
import { JanusBackend, type JanusBackendOptions } from './backends/JanusBackend.js';
import { StubBackend, type StubBackendOptions } from './backends/StubBackend.js';
import { createSrsBackend, type SrsBackendOptions } from './backends/srs.js';
import { createWhipBackend, type WhipBackendOptions } from './backends/whip.js';

/** Makes a backend from its options (as `EngineOptions.media.options` gives them). */
export type MediaBackendFactory = (options: Record<string, unknown>) => MediaBackend;

const factories = new Map<string, MediaBackendFactory>([
  ['janus', (o) => new JanusBackend(o as unknown as JanusBackendOptions)],
  ['stub', (o) => new StubBackend(o as StubBackendOptions)],
  // `url` is the WHIP endpoint (as MWSE_MEDIA_URL gives it); `whipUrl` is the backend's own name.
  ['whip', ({ url, ...o }) => createWhipBackend({ whipUrl: url, ...o } as WhipBackendOptions)],
  ['srs', (o) => createSrsBackend(o as unknown as SrsBackendOptions)],
]);

/**
 * Register a backend under `name` (`MWSE_MEDIA=<name>`); a later registration replaces an
 * earlier one.
 */
export function registerMediaBackend(name: string, factory: MediaBackendFactory): void {
  factories.set(name, factory);
}

/** The names backends are registered under. */
export function mediaBackendNames(): string[] {
  return [...factories.keys()];
}

/**
 * Make the backend registered as `name`.
 *
 * @example
 * const backend = createMediaBackend('janus', { url: 'ws://127.0.0.1:8188' });
 */
export function createMediaBackend(name: string, options: Record<string, unknown> = {}): MediaBackend {
  const factory = factories.get(name);
  if (!factory) throw new TypeError(`no media backend "${name}" (known: ${mediaBackendNames().join(', ')})`);
  return factory(options);
}
