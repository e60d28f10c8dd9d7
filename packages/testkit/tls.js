import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A self-signed certificate for `localhost` and `127.0.0.1`, made by `openssl` in a new temp
 * folder, so no test depends on a key kept in the repository.
 * @param {{ passphrase?: string }} [options] with `passphrase`, the key is written encrypted with it.
 */
export function selfSignedCertificate(options = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'mwse-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const args = ['req', '-x509', '-newkey', 'rsa:2048', '-days', '2', '-subj', '/CN=localhost'];
  args.push('-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', keyFile, '-out', certFile);
  if (options.passphrase) args.push('-passout', `pass:${options.passphrase}`);
  else args.push('-nodes');
  execFileSync('openssl', args, { stdio: 'pipe' });
  return {
    dir,
    certFile,
    keyFile,
    cert: readFileSync(certFile, 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
