import { resolve } from 'node:path';
import { readTlsFiles, TlsConfigError, type TlsField, type TlsOptions } from '@mwse/engine';
import { ConfigError } from './ConfigError.js';
import type { ReadVariable } from './readVariable.js';

/** TLS on the server's port (`MWSE_TLS_CERT`, `MWSE_TLS_KEY`, `MWSE_TLS_PASSPHRASE`). */
export interface TlsConfig {
  /** PEM files, absolute; unset serves plain `ws://` and `http://`. */
  tls?: TlsOptions;
}

const VARIABLES: Record<TlsField, string> = {
  certFile: 'MWSE_TLS_CERT',
  keyFile: 'MWSE_TLS_KEY',
  passphrase: 'MWSE_TLS_PASSPHRASE',
};

/**
 * Read the TLS variables and check their files now, so a wrong path or key stops start-up with
 * the variable to fix rather than failing inside the TLS layer. Both files or neither.
 */
export function readTls(read: ReadVariable, cwd: string): TlsConfig {
  const path = (text: string) => ({ ok: true as const, value: resolve(cwd, text.trim()) });
  const certFile = read<string | undefined>(VARIABLES.certFile, undefined, path);
  const keyFile = read<string | undefined>(VARIABLES.keyFile, undefined, path);
  // Kept as given: spaces may be part of a passphrase.
  const passphrase = read<string | undefined>(VARIABLES.passphrase, undefined, (text) => ({ ok: true, value: text }));
  if (certFile === undefined && keyFile === undefined) {
    if (passphrase !== undefined) {
      throw new ConfigError(VARIABLES.passphrase, 'is set, but MWSE_TLS_CERT and MWSE_TLS_KEY are not');
    }
    return {};
  }
  if (certFile === undefined) {
    throw new ConfigError(VARIABLES.certFile, 'is not set; MWSE_TLS_KEY needs the certificate file next to it');
  }
  if (keyFile === undefined) {
    throw new ConfigError(VARIABLES.keyFile, 'is not set; MWSE_TLS_CERT needs the private key file next to it');
  }
  const tls: TlsOptions = { certFile, keyFile, ...(passphrase === undefined ? {} : { passphrase }) };
  try {
    readTlsFiles(tls);
  } catch (error) {
    if (error instanceof TlsConfigError) throw new ConfigError(VARIABLES[error.field], error.reason);
    throw error;
  }
  return { tls };
}
