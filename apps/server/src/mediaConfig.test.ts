import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configLoader } from './testing/configErrors.js';
import { spawnCli } from './testing/spawnCli.js';

const cwd = mkdtempSync(join(tmpdir(), 'mwse-media-config-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));
const { load, errorFor } = configLoader(cwd);
const SECRET = 'a-turn-secret-of-some-length';

describe('media configuration', () => {
  it('is off by default', () => {
    expect(load({}).media).toBeUndefined();
    expect(load({ MWSE_MEDIA: 'none' }).media).toBeUndefined();
  });

  it('takes Janus with its URL, a timeout, ICE servers and a TURN secret', () => {
    const { media } = load({
      MWSE_MEDIA: 'Janus',
      MWSE_MEDIA_URL: 'ws://10.0.0.5:8188',
      MWSE_MEDIA_TIMEOUT: '1500ms',
      MWSE_MEDIA_SECRET: 'janus-admin-key-0123',
      MWSE_ICE_SERVERS: 'stun:stun.example.com:3478, turn:turn.example.com',
      MWSE_TURN_SECRET: SECRET,
      MWSE_TURN_URLS: 'turn:turn.example.com:3478?transport=udp',
      MWSE_TURN_TTL: '10m',
    });
    expect(media).toEqual({
      backend: 'janus',
      options: { url: 'ws://10.0.0.5:8188', adminKey: 'janus-admin-key-0123' },
      timeout: 1500,
      iceServers: [{ urls: 'stun:stun.example.com:3478' }, { urls: 'turn:turn.example.com' }],
      turn: { secret: SECRET, urls: ['turn:turn.example.com:3478?transport=udp'], ttl: 600 },
    });
  });

  it('takes ICE servers as JSON with credentials, a WHEP template and a token for WHIP', () => {
    const { media } = load({
      MWSE_MEDIA: 'whip',
      MWSE_MEDIA_URL: 'https://media.example.com/whip/{room}/{name}',
      MWSE_MEDIA_WHEP_URL: 'https://media.example.com/whep/{room}/{name}',
      MWSE_MEDIA_SECRET: 'bearer-token-0123456789',
      MWSE_ICE_SERVERS: '[{"urls":["turn:t.example.com"],"username":"u","credential":"c"}]',
    });
    expect(media).toMatchObject({
      backend: 'whip',
      options: { url: 'https://media.example.com/whip/{room}/{name}', whepUrl: 'https://media.example.com/whep/{room}/{name}', token: 'bearer-token-0123456789' },
      timeout: 5000,
      iceServers: [{ urls: ['turn:t.example.com'], username: 'u', credential: 'c' }],
    });
    expect(load({ MWSE_MEDIA: 'stub' }).media).toMatchObject({ backend: 'stub', options: {} });
  });

  it('takes the WHIP health URL and the SRS app and player URL templates, each only for its backend', () => {
    expect(load({ MWSE_MEDIA: 'whip', MWSE_MEDIA_URL: 'http://127.0.0.1:8080/whip', MWSE_MEDIA_HEALTH_URL: 'http://127.0.0.1:8080/health' }).media?.options).toEqual({
      url: 'http://127.0.0.1:8080/whip',
      healthUrl: 'http://127.0.0.1:8080/health',
    });
    expect(
      load({
        MWSE_MEDIA: 'srs',
        MWSE_MEDIA_URL: 'http://127.0.0.1:1985',
        MWSE_MEDIA_SRS_APP: 'show',
        MWSE_MEDIA_HLS_URL: 'http://127.0.0.1:8080/{app}/{stream}.m3u8',
        MWSE_MEDIA_FLV_URL: 'http://127.0.0.1:8080/{app}/{stream}.flv',
      }).media?.options,
    ).toEqual({
      url: 'http://127.0.0.1:1985',
      app: 'show',
      hlsUrl: 'http://127.0.0.1:8080/{app}/{stream}.m3u8',
      flvUrl: 'http://127.0.0.1:8080/{app}/{stream}.flv',
    });
    const janus = { MWSE_MEDIA: 'janus', MWSE_MEDIA_URL: 'ws://127.0.0.1:8188' };
    expect(errorFor({ ...janus, MWSE_MEDIA_HEALTH_URL: 'http://127.0.0.1:1/' }).variable).toBe('MWSE_MEDIA_HEALTH_URL');
    expect(errorFor({ ...janus, MWSE_MEDIA_SRS_APP: 'live' }).variable).toBe('MWSE_MEDIA_SRS_APP');
    expect(errorFor({ MWSE_MEDIA: 'srs', MWSE_MEDIA_URL: 'http://127.0.0.1:1985', MWSE_MEDIA_SRS_APP: 'a b' }).variable).toBe('MWSE_MEDIA_SRS_APP');
    expect(errorFor({ MWSE_MEDIA: 'srs', MWSE_MEDIA_URL: 'http://127.0.0.1:1985', MWSE_MEDIA_HLS_URL: 'nope' }).variable).toBe('MWSE_MEDIA_HLS_URL');
  });

  it('names the variable of a bad value', () => {
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ MWSE_MEDIA: 'kurento' }, 'MWSE_MEDIA', /janus/],
      [{ MWSE_MEDIA: 'janus' }, 'MWSE_MEDIA_URL', /required with MWSE_MEDIA=janus/],
      [{ MWSE_MEDIA: 'janus', MWSE_MEDIA_URL: 'http://127.0.0.1:8088' }, 'MWSE_MEDIA_URL', /ws:\/\//],
      [{ MWSE_MEDIA: 'whip', MWSE_MEDIA_URL: 'ws://x' }, 'MWSE_MEDIA_URL', /http/],
      [{ MWSE_MEDIA_URL: 'not a url' }, 'MWSE_MEDIA_URL', /not a URL/],
      [{ MWSE_MEDIA_TIMEOUT: '0' }, 'MWSE_MEDIA_TIMEOUT', /./],
      [{ MWSE_MEDIA_SECRET: 'short' }, 'MWSE_MEDIA_SECRET', /16/],
      [{ MWSE_ICE_SERVERS: 'http://x' }, 'MWSE_ICE_SERVERS', /stun/],
      [{ MWSE_ICE_SERVERS: '[{"urls":5}]' }, 'MWSE_ICE_SERVERS', /urls/],
      [{ MWSE_ICE_SERVERS: '[nope' }, 'MWSE_ICE_SERVERS', /JSON/],
      [{ MWSE_TURN_SECRET: SECRET }, 'MWSE_TURN_URLS', /required/],
      [{ MWSE_TURN_URLS: 'turn:x' }, 'MWSE_TURN_SECRET', /required/],
      [{ MWSE_TURN_SECRET: SECRET, MWSE_TURN_URLS: 'turn:x', MWSE_TURN_TTL: '5s' }, 'MWSE_TURN_TTL', /./],
    ];
    for (const [env, variable, message] of cases) {
      const error = errorFor(env);
      expect(error.variable, JSON.stringify(env)).toBe(variable);
      expect(error.message).toMatch(message);
    }
  });
});

describe('mwse-server with media', () => {
  it('says which backend it uses, without the URL query, and stops naming the variable of a bad one', async () => {
    const started = spawnCli(
      { MWSE_HOST: '127.0.0.1', MWSE_PORT: '0', MWSE_STORE: 'memory', MWSE_MEDIA: 'janus', MWSE_MEDIA_URL: 'ws://127.0.0.1:9/janus?token=secret', MWSE_MEDIA_TIMEOUT: '2s' },
      [],
      cwd,
    );
    try {
      const [line] = await started.line(/broadcast media.*/);
      expect(line).toMatch(/broadcast media: janus at ws:\/\/127\.0\.0\.1:9\/janus, calls time out after 2000 ms/);
      expect(line).not.toContain('secret');
    } finally {
      started.child.kill('SIGTERM');
      await started.exited;
    }
    const refused = spawnCli({ MWSE_HOST: '127.0.0.1', MWSE_PORT: '0', MWSE_STORE: 'memory', MWSE_MEDIA: 'janus' }, [], cwd);
    expect(await refused.exited).toBe(1);
    expect(refused.stderr()).toMatch(/MWSE_MEDIA_URL: is required with MWSE_MEDIA=janus/);
  });
});
