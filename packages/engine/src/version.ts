import pkg from '../package.json' with { type: 'json' };

/** The engine's package version, announced in every hello. */
export const ENGINE_VERSION: string = pkg.version;
