import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '@mwse/engine';
import type MWSE from '@mwse/client';
import { selfSignedCertificate, type SelfSignedCertificate } from '@mwse/testkit/tls';
import { CODECS, TRANSPORTS, once } from './harness.js';
import { httpsGet, plainAttempt, tlsClient } from './tlsClient.js';

const KEYS = [
  ['a plain key', undefined],
  ['an encrypted key', 'correct horse battery'],
] as const;

describe.each(TRANSPORTS)('TLS over %s', (transport) => {
  describe.each(KEYS)('with %s', (_label, passphrase) => {
    let certificate: SelfSignedCertificate;
    let engine: Engine;
    const clients: MWSE[] = [];
    const wss = () => `wss://127.0.0.1:${engine.port}/`;
    beforeAll(async () => {
      certificate = selfSignedCertificate(passphrase ? { passphrase } : {});
      const { certFile, keyFile } = certificate;
      engine = await createEngine({ host: '127.0.0.1', port: 0, transport, tls: { certFile, keyFile, passphrase } });
      expect(engine.transport).toBe(transport);
    });
    afterAll(async () => {
      for (const c of clients) c.close();
      await engine?.close();
      certificate?.remove();
    });

    it.each(CODECS)('carries SDK messages over wss:// (%s frames)', async (codec) => {
      const a = await tlsClient(wss(), certificate.cert, codec);
      const b = await tlsClient(wss(), certificate.cert, codec);
      clients.push(a, b);
      await b.disablePairAuth();
      const got = once(b.peer(a.me.socketId), 'message');
      a.peer(b.me.socketId).send({ over: 'tls', codec });
      expect(await got).toEqual([{ over: 'tls', codec }]);
      expect(engine.hub.peer(a.me.socketId)?.binary).toBe(codec === 'binary');
    });

    it('answers the HTTP routes over https:// on the same port', async () => {
      expect(await httpsGet(`https://127.0.0.1:${engine.port}/healthz`, certificate.cert)).toMatchObject({ status: 200 });
      expect((await httpsGet(`https://127.0.0.1:${engine.port}/readyz`, certificate.cert)).status).toBe(200);
    });

    it('refuses a plain ws:// client on the TLS port, and goes on serving wss://', async () => {
      expect(await plainAttempt(`ws://127.0.0.1:${engine.port}/`)).toBe('error');
      const c = await tlsClient(wss(), certificate.cert, 'json');
      clients.push(c);
      expect(c.me.socketId).not.toBe('');
    });
  });

  it('refuses a certificate the client does not trust', async () => {
    const certificate = selfSignedCertificate();
    const other = selfSignedCertificate();
    const { certFile, keyFile } = certificate;
    const engine = await createEngine({ host: '127.0.0.1', port: 0, transport, tls: { certFile, keyFile } });
    try {
      await expect(httpsGet(`https://127.0.0.1:${engine.port}/healthz`, other.cert)).rejects.toThrow(/self-signed|certificate/i);
    } finally {
      await engine.close();
      certificate.remove();
      other.remove();
    }
  });

  it('fails createEngine naming the option before listening, for a key that does not open', async () => {
    const certificate = selfSignedCertificate({ passphrase: 'right' });
    const { certFile, keyFile } = certificate;
    try {
      await expect(createEngine({ port: 0, transport, tls: { certFile, keyFile, passphrase: 'wrong' } })).rejects.toMatchObject({
        name: 'TlsConfigError',
        field: 'passphrase',
      });
      await expect(createEngine({ port: 0, transport, tls: { certFile: `${certFile}.missing`, keyFile } })).rejects.toMatchObject({
        field: 'certFile',
      });
    } finally {
      certificate.remove();
    }
  });
});

// What an SDK user does with a private CA: the default WebSocket (ws in Node 20) honours
// NODE_EXTRA_CA_CERTS, so `new MWSE({ endpoint: 'wss://…' })` needs no option.
describe.each(TRANSPORTS)('the SDK with its default WebSocket over %s', (transport) => {
  it('connects over wss:// when the CA is in NODE_EXTRA_CA_CERTS', async () => {
    const certificate = selfSignedCertificate();
    const { certFile, keyFile } = certificate;
    const engine = await createEngine({ host: '127.0.0.1', port: 0, transport, tls: { certFile, keyFile } });
    const script = `
      import MWSE from '@mwse/client';
      const mwse = new MWSE({ endpoint: process.argv[1], reconnect: false });
      mwse.scope(() => { console.log('scoped ' + mwse.me.socketId); mwse.close(); process.exit(0); });
      setTimeout(() => { console.error('no scope'); process.exit(1); }, 5000);`;
    try {
      const stdout = await new Promise<string>((resolve, reject) => {
        execFile(
          process.execPath,
          ['--input-type=module', '-e', script, `wss://127.0.0.1:${engine.port}/`],
          {
            cwd: fileURLToPath(new URL('../..', import.meta.url)),
            env: { ...process.env, NODE_EXTRA_CA_CERTS: certFile },
            timeout: 10_000,
          },
          (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
        );
      });
      expect(stdout).toMatch(/^scoped [0-9a-f-]{36}$/m);
    } finally {
      await engine.close();
      certificate.remove();
    }
  });
});
