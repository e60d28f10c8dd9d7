import { request } from 'node:https';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { selfSignedCertificate } from '@mwse/testkit/tls';
import { spawnCli, type CliProcess } from './testing/spawnCli.js';

// Only the address part of the start line: the rest of the line is not this suite's business.
const LISTENING = /listening on (wss?):\/\/127\.0\.0\.1:(\d+) /;

const plain = selfSignedCertificate();
const encrypted = selfSignedCertificate({ passphrase: 'hunter2 hunter2' });
afterAll(() => {
  plain.remove();
  encrypted.remove();
});

const running: CliProcess[] = [];
function start(env: Record<string, string>): CliProcess {
  const cli = spawnCli({ MWSE_HOST: '127.0.0.1', MWSE_PORT: '0', ...env });
  running.push(cli);
  return cli;
}
afterEach(() => {
  for (const cli of running.splice(0)) cli.child.kill('SIGKILL');
});

function healthz(port: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(`https://127.0.0.1:${port}/healthz`, { ca }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

describe('mwse-server CLI with TLS', () => {
  it.each(['uws', 'ws'])('says wss:// in the start line and serves wss:// and https:// (%s)', async (transport) => {
    const cli = start({
      MWSE_TRANSPORT: transport,
      MWSE_TLS_CERT: encrypted.certFile,
      MWSE_TLS_KEY: encrypted.keyFile,
      MWSE_TLS_PASSPHRASE: 'hunter2 hunter2',
    });
    const [, scheme, port = ''] = await cli.line(LISTENING);
    expect(scheme).toBe('wss');
    expect(cli.stdout()).toContain(`(transport: ${transport})`);
    expect(await healthz(port, encrypted.cert)).toBe(200);
    const socket = new WebSocket(`wss://127.0.0.1:${port}/`, { ca: encrypted.cert });
    const hello = await new Promise<{ type: string }>((resolve, reject) => {
      socket.once('message', (data) => resolve(JSON.parse(String(data))));
      socket.once('error', reject);
    });
    socket.close();
    expect(hello.type).toBe('hello');
  });

  it('says ws:// without TLS', async () => {
    const [, scheme] = await start({}).line(LISTENING);
    expect(scheme).toBe('ws');
  });

  const pair = { MWSE_TLS_CERT: plain.certFile, MWSE_TLS_KEY: plain.keyFile };
  const locked = { MWSE_TLS_CERT: encrypted.certFile, MWSE_TLS_KEY: encrypted.keyFile };
  it.each([
    ['MWSE_TLS_KEY', 'only the certificate is set', { MWSE_TLS_CERT: plain.certFile }],
    ['MWSE_TLS_CERT', 'only the key is set', { MWSE_TLS_KEY: plain.keyFile }],
    ['MWSE_TLS_CERT', 'the certificate file is missing', { ...pair, MWSE_TLS_CERT: '/nonexistent/cert.pem' }],
    ['MWSE_TLS_KEY', 'the key file holds a certificate', { ...pair, MWSE_TLS_KEY: plain.certFile }],
    ['MWSE_TLS_KEY', 'the key is of another certificate', { ...locked, MWSE_TLS_CERT: plain.certFile, MWSE_TLS_PASSPHRASE: 'hunter2 hunter2' }],
    ['MWSE_TLS_PASSPHRASE', 'an encrypted key has none', locked],
    ['MWSE_TLS_PASSPHRASE', 'it is wrong', { ...locked, MWSE_TLS_PASSPHRASE: 'nope' }],
  ])('exits 1 naming %s when %s', async (variable, _when, env) => {
    const cli = start({ MWSE_TRANSPORT: 'uws', ...env });
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toMatch(new RegExp(`^mwse-server: ${variable}: `));
    expect(cli.stderr()).not.toMatch(/\n\s+at /);
    expect(cli.stdout()).toBe('');
  });
});
