import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { TlsOptions } from '../EngineOptions.js';

/** Which of the {@link TlsOptions} a {@link TlsConfigError} is about. */
export type TlsField = 'certFile' | 'keyFile' | 'passphrase';

/**
 * TLS files the engine cannot serve with. Thrown before the port is bound, with the option to
 * fix in `field`, so a server can name its own setting for it (the CLI names `MWSE_TLS_KEY`, …).
 *
 * @example
 * try { readTlsFiles({ certFile: 'cert.pem', keyFile: 'key.pem' }); }
 * catch (e) { if (e instanceof TlsConfigError) console.error(`${e.field}: ${e.reason}`); }
 */
export class TlsConfigError extends Error {
  constructor(
    readonly field: TlsField,
    /** What is wrong, without the option's name. */
    readonly reason: string,
  ) {
    super(`tls.${field}: ${reason}`);
    this.name = 'TlsConfigError';
  }
}

/** The certificate chain and key as the TLS layer takes them. */
export interface TlsCredentials {
  cert: Buffer;
  key: Buffer;
  passphrase?: string;
}

function read(field: TlsField, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new TlsConfigError(field, `cannot read ${path} (${code})`);
  }
}

// Both PEM flavours of an encrypted key: PKCS#8 and the traditional OpenSSL header.
const ENCRYPTED_KEY = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/;

function privateKey(tls: TlsOptions, pem: Buffer): KeyObject {
  const encrypted = ENCRYPTED_KEY.test(pem.toString('latin1'));
  // Without a passphrase OpenSSL would ask for one on the terminal (uWS lets it): refuse first.
  if (encrypted && !tls.passphrase) {
    throw new TlsConfigError('passphrase', `the key in ${tls.keyFile} is encrypted and no passphrase was given`);
  }
  try {
    return createPrivateKey({ key: pem, format: 'pem', ...(tls.passphrase ? { passphrase: tls.passphrase } : {}) });
  } catch {
    if (encrypted) throw new TlsConfigError('passphrase', `does not decrypt the key in ${tls.keyFile}`);
    throw new TlsConfigError('keyFile', `${tls.keyFile} holds no PEM private key`);
  }
}

/**
 * Read and check the TLS files before a transport uses them: each readable, the certificate and
 * key parse, the passphrase opens the key, and the key belongs to the certificate. Otherwise
 * the TLS layer fails later with an error that names neither file (uWS says only "App
 * construction failed").
 */
export function readTlsFiles(tls: TlsOptions): TlsCredentials {
  const cert = read('certFile', tls.certFile);
  const key = read('keyFile', tls.keyFile);
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch {
    throw new TlsConfigError('certFile', `${tls.certFile} holds no PEM certificate`);
  }
  if (!leaf.checkPrivateKey(privateKey(tls, key))) {
    throw new TlsConfigError('keyFile', `the key in ${tls.keyFile} does not belong to the certificate in ${tls.certFile}`);
  }
  return { cert, key, ...(tls.passphrase ? { passphrase: tls.passphrase } : {}) };
}
