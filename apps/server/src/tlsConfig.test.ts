import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '@mwse/testkit/tls';
import { loadConfig } from './config.js';
import { configLoader } from './testing/configErrors.js';

const plain = selfSignedCertificate();
const encrypted = selfSignedCertificate({ passphrase: 'open sesame' });
writeFileSync(join(plain.dir, 'junk.pem'), 'not a PEM file\n');
const { errorFor } = configLoader(plain.dir);
afterAll(() => {
  plain.remove();
  encrypted.remove();
});


describe('TLS configuration', () => {
  it('is off when no TLS variable is set', () => {
    expect(loadConfig({}).tls).toBeUndefined();
  });

  it('takes the two files, relative to the working directory, and a passphrase kept as given', () => {
    expect(loadConfig({ MWSE_TLS_CERT: 'cert.pem', MWSE_TLS_KEY: 'key.pem' }, { cwd: plain.dir }).tls).toEqual({
      certFile: plain.certFile,
      keyFile: plain.keyFile,
    });
    const env = { MWSE_TLS_CERT: encrypted.certFile, MWSE_TLS_KEY: encrypted.keyFile, MWSE_TLS_PASSPHRASE: 'open sesame' };
    expect(loadConfig(env).tls).toEqual({ certFile: encrypted.certFile, keyFile: encrypted.keyFile, passphrase: 'open sesame' });
  });

  it('names the missing variable when only one of MWSE_TLS_CERT and MWSE_TLS_KEY is set', () => {
    expect(errorFor({ MWSE_TLS_CERT: plain.certFile }).variable).toBe('MWSE_TLS_KEY');
    expect(errorFor({ MWSE_TLS_KEY: plain.keyFile }).variable).toBe('MWSE_TLS_CERT');
    expect(errorFor({ MWSE_TLS_PASSPHRASE: 'x' }).variable).toBe('MWSE_TLS_PASSPHRASE');
  });

  it.each([
    ['MWSE_TLS_CERT', { MWSE_TLS_CERT: 'missing.pem', MWSE_TLS_KEY: 'key.pem' }, /cannot read .*missing\.pem \(ENOENT\)/],
    ['MWSE_TLS_KEY', { MWSE_TLS_CERT: 'cert.pem', MWSE_TLS_KEY: 'missing.pem' }, /cannot read .*missing\.pem/],
    ['MWSE_TLS_CERT', { MWSE_TLS_CERT: 'junk.pem', MWSE_TLS_KEY: 'key.pem' }, /holds no PEM certificate/],
    ['MWSE_TLS_CERT', { MWSE_TLS_CERT: 'key.pem', MWSE_TLS_KEY: 'key.pem' }, /holds no PEM certificate/],
    ['MWSE_TLS_KEY', { MWSE_TLS_CERT: 'cert.pem', MWSE_TLS_KEY: 'junk.pem' }, /holds no PEM private key/],
    ['MWSE_TLS_KEY', { MWSE_TLS_CERT: 'cert.pem', MWSE_TLS_KEY: 'cert.pem' }, /holds no PEM private key/],
  ])('names %s for an unusable file (%j)', (variable, env, message) => {
    const error = errorFor(env);
    expect(error.variable).toBe(variable);
    expect(error.message).toMatch(message);
  });

  it('names MWSE_TLS_KEY when the key belongs to another certificate', () => {
    const error = errorFor({ MWSE_TLS_CERT: plain.certFile, MWSE_TLS_KEY: encrypted.keyFile, MWSE_TLS_PASSPHRASE: 'open sesame' });
    expect(error.variable).toBe('MWSE_TLS_KEY');
    expect(error.message).toMatch(/does not belong to the certificate/);
  });

  it('names MWSE_TLS_PASSPHRASE for an encrypted key without it or with a wrong one', () => {
    const env = { MWSE_TLS_CERT: encrypted.certFile, MWSE_TLS_KEY: encrypted.keyFile };
    expect(errorFor(env)).toMatchObject({ variable: 'MWSE_TLS_PASSPHRASE', message: expect.stringMatching(/is encrypted/) });
    expect(errorFor({ ...env, MWSE_TLS_PASSPHRASE: 'open says me' })).toMatchObject({
      variable: 'MWSE_TLS_PASSPHRASE',
      message: expect.stringMatching(/does not decrypt/),
    });
  });
});
