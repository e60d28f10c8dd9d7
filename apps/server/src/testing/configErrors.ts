import { expect } from 'vitest';
import { ConfigError } from '../ConfigError.js';
import { loadConfig, type ServerConfig } from '../config.js';

/**
 * `load(env)` reads a configuration with relative folders resolved in `cwd`; `errorFor(env)`
 * returns the ConfigError it throws, and fails the test when it throws none.
 */
export function configLoader(cwd: string) {
  const load = (env: Record<string, string>): ServerConfig => loadConfig(env, { cwd });
  function errorFor(env: Record<string, string>): ConfigError {
    try {
      load(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return error as ConfigError;
    }
    throw new Error(`no error for ${JSON.stringify(env)}`);
  }
  return { load, errorFor };
}
