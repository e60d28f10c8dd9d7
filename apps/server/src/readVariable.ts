import { ConfigError } from './ConfigError.js';
import type { Parsed } from './parseValues.js';

/** Environment variables as `process.env` holds them. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads one variable: unset or blank gives `fallback`, a value `parse` refuses throws a
 * {@link ConfigError} naming the variable.
 */
export type ReadVariable = <T>(name: string, fallback: T, parse: (text: string) => Parsed<T>) => T;

/** A {@link ReadVariable} over `env`. */
export function variableReader(env: Env): ReadVariable {
  return (name, fallback, parse) => {
    const text = env[name];
    if (text === undefined || text.trim() === '') return fallback;
    const parsed = parse(text);
    if (!parsed.ok) throw new ConfigError(name, parsed.reason);
    return parsed.value;
  };
}
