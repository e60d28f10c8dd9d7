/**
 * A configuration value that cannot be used. `variable` names where it came from (for example
 * `MWSE_PORT`), so the CLI can say exactly what to fix.
 */
export class ConfigError extends Error {
  /** The environment variable holding the bad value. */
  readonly variable: string;

  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}
