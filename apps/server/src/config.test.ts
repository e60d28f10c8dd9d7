import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ENGINE_DEFAULTS } from '@mwse/engine';
import { defaultSdkDir } from './defaultSdkDir.js';
import { configLoader } from './testing/configErrors.js';

const cwd = mkdtempSync(join(tmpdir(), 'mwse-config-'));
mkdirSync(join(cwd, 'www'));
writeFileSync(join(cwd, 'file.txt'), 'not a folder');
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

const { load, errorFor } = configLoader(cwd);


const SECRET = 'a-long-enough-secret-0123';

describe('loadConfig', () => {
  it('uses the SPEC §6 defaults when nothing is set', () => {
    expect(load({})).toMatchObject({
      host: '0.0.0.0',
      port: 7707,
      publicDir: join(cwd, 'public'),
      sdkDir: defaultSdkDir(),
      outboundBuffer: 1024,
      outboundBufferBytes: 8_388_608,
      maxMessageSize: 16_777_216,
      pingInterval: 10_000,
      shutdownTimeout: 10_000,
      resumeGrace: 120_000,
      transport: 'auto',
      logLevel: 'info',
    });
  });

  it("takes the engine's defaults for every capability variable, and leaves the bridge off", () => {
    const config = load({});
    // The server keeps sessions for 120 s where the library defaults to none (tested below), and
    // its store defaults to SQLite where the library's is memory.
    const { http: _http, store: _store, resumeGrace: _resumeGrace, ...engineDefaults } = { ...ENGINE_DEFAULTS, http: undefined };
    for (const [option, value] of Object.entries(engineDefaults)) {
      expect(config[option as keyof typeof config], option).toEqual(value);
    }
    expect(config.approveUrl).toBeUndefined();
    expect(config.triggerUrl).toBeUndefined();
    expect(config.bridgeSecret).toBeUndefined();
    expect(config.adminToken).toBeUndefined();
  });

  it('reads every capability variable', () => {
    const config = load({
      MWSE_ALLOWED_ORIGINS: 'https://app.example.com, http://localhost:5173',
      MWSE_MAX_CONNECTIONS_PER_ADDRESS: '8',
      MWSE_TRUST_PROXY: '2',
      MWSE_RATE_LIMIT: '0',
      MWSE_RATE_BURST: '50',
      MWSE_MAX_INFO_KEYS: '10',
      MWSE_MAX_INFO_BYTES: '2048',
      MWSE_MAX_ROOM_INFO_KEYS: '20',
      MWSE_MAX_ROOM_INFO_BYTES: '4096',
      MWSE_MAX_PENDING_REQUESTS: '16',
      MWSE_MAX_ROOMS_PER_PEER: '4',
      MWSE_NOTIFY_TTL: '2h',
      MWSE_NOTIFY_MAX_PER_IDENTITY: '5',
      MWSE_NOTIFY_MAX_PER_SENDER: '50',
      MWSE_NOTIFY_MAX_STORED: '500',
      MWSE_NOTIFY_MAX_BYTES_PER_IDENTITY: '65536',
      MWSE_NOTIFY_MAX_BYTES_PER_SENDER: '131072',
      MWSE_NOTIFY_MAX_BYTES_STORED: '1048576',
      MWSE_MAX_PASSWORD_CHECKS: '3',
      MWSE_MAX_PASSWORD_CHECKS_PER_PEER: '2',
      MWSE_PEERS_NETWORK: '10.1.0.0/16',
      MWSE_ROOMS_NETWORK: '10.2.0.0/16',
      MWSE_ADMIN_TOKEN: SECRET,
      MWSE_API_BODY_LIMIT: '1024',
      BRIDGE_APPROVE_URL: 'https://app.example.com/mwse/approve',
      BRIDGE_APPROVE_TIMEOUT: '750ms',
      BRIDGE_APPROVE_HEADERS: 'Cookie, x-session',
      BRIDGE_MAX_PENDING_APPROVALS: '3',
      BRIDGE_TRIGGER_URL: 'http://127.0.0.1:9000/hook',
      MWSE_BRIDGE_SECRET: SECRET,
      BRIDGE_TRIGGER_MAX_ATTEMPTS: '2',
      BRIDGE_TRIGGER_RETRY_DELAY: '1s',
      BRIDGE_TRIGGER_TIMEOUT: '2s',
      BRIDGE_TRIGGER_MAX_IN_FLIGHT: '7',
      BRIDGE_INBOX: '1',
      BRIDGE_INBOX_SIZE: '99',
    });
    expect(config).toMatchObject({
      allowedOrigins: ['https://app.example.com', 'http://localhost:5173'],
      maxConnectionsPerAddress: 8,
      trustProxy: 2,
      rateLimit: 0,
      rateBurst: 50,
      maxInfoKeys: 10,
      maxInfoBytes: 2048,
      maxRoomInfoKeys: 20,
      maxRoomInfoBytes: 4096,
      maxPendingRequests: 16,
      maxRoomsPerPeer: 4,
      notifyDefaultTtl: 7200,
      notifyMaxPerIdentity: 5,
      notifyMaxPerSender: 50,
      notifyMaxStored: 500,
      notifyMaxBytesPerIdentity: 65_536,
      notifyMaxBytesPerSender: 131_072,
      notifyMaxBytesStored: 1_048_576,
      maxPasswordChecks: 3,
      maxPasswordChecksPerPeer: 2,
      peersNetwork: '10.1.0.0/16',
      roomsNetwork: '10.2.0.0/16',
      adminToken: SECRET,
      apiBodyLimit: 1024,
      approveUrl: 'https://app.example.com/mwse/approve',
      approveTimeout: 750,
      approveHeaders: ['cookie', 'x-session'],
      maxPendingApprovals: 3,
      triggerUrl: 'http://127.0.0.1:9000/hook',
      bridgeSecret: SECRET,
      triggerMaxAttempts: 2,
      triggerRetryDelay: 1000,
      triggerTimeout: 2000,
      triggerMaxInFlight: 7,
      inbox: true,
      inboxSize: 99,
    });
  });

  it.each([
    ['0', 0],
    ['1', 1],
    ['2', 2],
    [' 3 ', 3],
    ['true', 1],
    ['off', 0],
  ])('reads MWSE_TRUST_PROXY=%s as a hop count of %s', (text, value) => {
    expect(load({ MWSE_TRUST_PROXY: text }).trustProxy).toBe(value);
  });

  it.each(['1.5', 'two'])('says MWSE_TRUST_PROXY=%s is not a number of proxies', (text) => {
    const error = errorFor({ MWSE_TRUST_PROXY: text });
    expect(error.variable).toBe('MWSE_TRUST_PROXY');
    expect(error.message).toMatch(/number of proxies/);
  });

  it('reads a notification ttl in days', () => {
    expect(load({ MWSE_NOTIFY_TTL: '7d' }).notifyDefaultTtl).toBe(7 * 86_400);
  });

  it('refuses a trigger URL without a bridge secret, naming the secret', () => {
    const error = errorFor({ BRIDGE_TRIGGER_URL: 'https://app.example.com/hook' });
    expect(error.variable).toBe('MWSE_BRIDGE_SECRET');
    expect(error.message).toContain('BRIDGE_TRIGGER_URL');
  });

  it('never repeats a refused secret in its message', () => {
    const error = errorFor({ MWSE_ADMIN_TOKEN: 'short-token' });
    expect(error.variable).toBe('MWSE_ADMIN_TOKEN');
    expect(error.message).not.toContain('short-token');
  });

  it('refuses a rooms network that overlaps the default peers network', () => {
    expect(errorFor({ MWSE_ROOMS_NETWORK: '10.0.0.0/16' }).variable).toBe('MWSE_ROOMS_NETWORK');
    const peers = errorFor({ MWSE_PEERS_NETWORK: '10.128.0.0/24' });
    expect(peers.variable).toBe('MWSE_PEERS_NETWORK');
    // it collides with the rooms network, and says so (it once said "the peers network")
    expect(peers.message).toContain('10.128.0.0/24 overlaps the rooms network 10.128.0.0/9');
    expect(load({ MWSE_PEERS_NETWORK: '10.0.0.0/28', MWSE_ROOMS_NETWORK: '10.0.1.0/24' }).roomsNetwork).toBe('10.0.1.0/24');
  });

  it('reads the replay bounds of sessions, leaving them to the engine when unset', () => {
    expect(load({})).toMatchObject({ replayFrames: undefined, replayBytes: undefined });
    expect(load({ MWSE_REPLAY_FRAMES: '2048', MWSE_REPLAY_BYTES: '1048576' })).toMatchObject({ replayFrames: 2048, replayBytes: 1_048_576 });
  });

  it('states duration bounds in the unit people write them in', () => {
    expect(errorFor({ MWSE_NOTIFY_TTL: '100d' }).message).toContain('"100d" is longer than 30d');
    expect(errorFor({ MWSE_NOTIFY_TTL: '10ms' }).message).toContain('"10ms" is shorter than 1s');
  });

  it('treats empty variables as unset', () => {
    expect(load({ MWSE_PORT: '', MWSE_HOST: ' ' }).port).toBe(7707);
  });

  it('reads every variable', () => {
    const config = load({
      MWSE_HOST: '127.0.0.1',
      MWSE_PORT: '0',
      MWSE_PUBLIC_DIR: 'www',
      MWSE_SDK_DIR: cwd,
      MWSE_OUTBOUND_BUFFER: '16',
      MWSE_OUTBOUND_BUFFER_BYTES: '65536',
      MWSE_MAX_MESSAGE_SIZE: '65536',
      MWSE_PING_INTERVAL: '500ms',
      MWSE_SHUTDOWN_TIMEOUT: '2m',
      MWSE_RESUME_GRACE: '30s',
      MWSE_TRANSPORT: 'ws',
      MWSE_LOG_LEVEL: 'debug',
      MWSE_LOG_FORMAT: 'pretty',
    });
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 0,
      publicDir: join(cwd, 'www'),
      sdkDir: cwd,
      outboundBuffer: 16,
      outboundBufferBytes: 65_536,
      maxMessageSize: 65_536,
      pingInterval: 500,
      shutdownTimeout: 120_000,
      resumeGrace: 30_000,
      transport: 'ws',
      logLevel: 'debug',
      logFormat: 'pretty',
    });
  });

  it.each([
    ['10s', 10_000],
    ['500ms', 500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1.5s', 1_500],
    ['250', 250],
  ])('reads the duration %s as %i ms', (text, ms) => {
    expect(load({ MWSE_PING_INTERVAL: text }).pingInterval).toBe(ms);
  });

  it('accepts host names and IPv6 addresses', () => {
    expect(load({ MWSE_HOST: 'localhost' }).host).toBe('localhost');
    expect(load({ MWSE_HOST: '::' }).host).toBe('::');
    expect(load({ MWSE_HOST: 'mwse.example.com' }).host).toBe('mwse.example.com');
  });

  it('allows a zero shutdown timeout but not a zero ping interval', () => {
    expect(load({ MWSE_SHUTDOWN_TIMEOUT: '0s' }).shutdownTimeout).toBe(0);
    expect(errorFor({ MWSE_PING_INTERVAL: '0' }).variable).toBe('MWSE_PING_INTERVAL');
  });

  it.each([
    ['MWSE_HOST', 'not a host!'],
    ['MWSE_HOST', 'http://0.0.0.0'],
    ['MWSE_PORT', 'abc'],
    ['MWSE_PORT', '-1'],
    ['MWSE_PORT', '65536'],
    ['MWSE_PORT', '80.5'],
    ['MWSE_PORT', '0x50'],
    ['MWSE_PUBLIC_DIR', 'missing'],
    ['MWSE_PUBLIC_DIR', 'file.txt'],
    ['MWSE_SDK_DIR', 'missing'],
    ['MWSE_OUTBOUND_BUFFER', '0'],
    ['MWSE_LOG_LEVEL', 'verbose'],
    ['MWSE_REPLAY_FRAMES', '0'],
    ['MWSE_REPLAY_BYTES', 'lots'],
    ['MWSE_LOG_FORMAT', 'xml'],
    ['MWSE_OUTBOUND_BUFFER_BYTES', '0'],
    ['MWSE_OUTBOUND_BUFFER', 'many'],
    ['MWSE_OUTBOUND_BUFFER', '1e3'],
    ['MWSE_MAX_MESSAGE_SIZE', '0'],
    ['MWSE_MAX_MESSAGE_SIZE', '16MB'],
    ['MWSE_MAX_MESSAGE_SIZE', '99999999999'],
    ['MWSE_PING_INTERVAL', 'soon'],
    ['MWSE_PING_INTERVAL', '10 days'],
    ['MWSE_PING_INTERVAL', '-5s'],
    ['MWSE_PING_INTERVAL', '0.5ms'],
    ['MWSE_SHUTDOWN_TIMEOUT', '10x'],
    ['MWSE_SHUTDOWN_TIMEOUT', '1000h'],
    ['MWSE_TRANSPORT', 'socket.io'],
    ['MWSE_ALLOWED_ORIGINS', 'app.example.com'],
    ['MWSE_ALLOWED_ORIGINS', 'https://app.example.com/'],
    ['MWSE_ALLOWED_ORIGINS', 'https://ok.example.com,https://bad.example.com/path'],
    ['MWSE_MAX_CONNECTIONS_PER_ADDRESS', '0'],
    ['MWSE_TRUST_PROXY', '-1'],
    ['MWSE_TRUST_PROXY', 'maybe'],
    ['MWSE_TRUST_PROXY', '33'],
    ['MWSE_RATE_LIMIT', '-1'],
    ['MWSE_RATE_BURST', '0'],
    ['MWSE_MAX_INFO_KEYS', '0'],
    ['MWSE_MAX_INFO_BYTES', 'lots'],
    ['MWSE_MAX_ROOM_INFO_KEYS', '1.5'],
    ['MWSE_MAX_ROOM_INFO_BYTES', '0'],
    ['MWSE_MAX_PENDING_REQUESTS', '0'],
    ['MWSE_MAX_ROOMS_PER_PEER', 'x'],
    ['MWSE_NOTIFY_TTL', '0s'],
    ['MWSE_NOTIFY_TTL', '1500ms'],
    ['MWSE_NOTIFY_TTL', '31d'],
    ['MWSE_NOTIFY_MAX_PER_IDENTITY', '0'],
    ['MWSE_NOTIFY_MAX_PER_SENDER', 'none'],
    ['MWSE_NOTIFY_MAX_STORED', '0'],
    ['MWSE_NOTIFY_MAX_BYTES_PER_IDENTITY', '0'],
    ['MWSE_NOTIFY_MAX_BYTES_PER_SENDER', '16MB'],
    ['MWSE_NOTIFY_MAX_BYTES_STORED', '-1'],
    ['MWSE_MAX_PASSWORD_CHECKS', '0'],
    ['MWSE_MAX_PASSWORD_CHECKS_PER_PEER', 'two'],
    ['MWSE_PEERS_NETWORK', '10.0.0.0'],
    ['MWSE_PEERS_NETWORK', '10.0.0.1/24'],
    ['MWSE_PEERS_NETWORK', '10.0.0.0/31'],
    ['MWSE_PEERS_NETWORK', '300.0.0.0/8'],
    ['MWSE_ROOMS_NETWORK', '10.200.0.0/25'],
    ['MWSE_ROOMS_NETWORK', 'fd00::/64'],
    ['MWSE_ADMIN_TOKEN', 'short'],
    ['MWSE_ADMIN_TOKEN', 'has spaces in the middle of it'],
    ['MWSE_API_BODY_LIMIT', '0'],
    ['MWSE_API_BODY_LIMIT', '1GB'],
    ['BRIDGE_APPROVE_URL', 'not a url'],
    ['BRIDGE_APPROVE_URL', 'ftp://app.example.com/approve'],
    ['BRIDGE_APPROVE_TIMEOUT', '0'],
    ['BRIDGE_APPROVE_TIMEOUT', 'quick'],
    ['BRIDGE_APPROVE_HEADERS', 'cookie, bad header'],
    ['BRIDGE_MAX_PENDING_APPROVALS', '0'],
    ['BRIDGE_TRIGGER_URL', 'ws://app.example.com/hook'],
    ['MWSE_BRIDGE_SECRET', 'tooshort'],
    ['BRIDGE_TRIGGER_MAX_ATTEMPTS', '0'],
    ['BRIDGE_TRIGGER_RETRY_DELAY', 'later'],
    ['BRIDGE_TRIGGER_TIMEOUT', '0ms'],
    ['BRIDGE_TRIGGER_MAX_IN_FLIGHT', '0'],
    ['BRIDGE_INBOX', 'enabled'],
    ['BRIDGE_INBOX_SIZE', '0'],
  ])('refuses %s=%s, naming the variable', (variable, value) => {
    const error = errorFor({ [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
  });
});
