import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import WebSocket from 'ws';
import { eventually, withTimeout, type TransportUnderTest } from './harness.js';
import { HttpStub, sendJson } from './httpStub.js';

/*
 * kill -9 loses nothing acknowledged (docs/storage.md): the real `mwse-server` on a durable store
 * is killed with notifications stored, keys minted and webhook retries pending, then started
 * again on the same store. The store is the caller's (durability.test.ts: SQLite,
 * durabilityRedis.test.ts: Redis with AOF); the scenario is one.
 */

const CLI = join(dirname(createRequire(import.meta.url).resolve('@mwse/server/package.json')), 'dist', 'cli.js');
const SECRET = 'durability-secret-0123456789';
const IDENTITIES = 1000;
const PER_IDENTITY = 10;
const REPLIES = 20;

type Frame = Record<string, unknown> & { type: string };

/** The approver: each connection is the identity its `user` query names. */
const approver = new HttpStub((req, res) => {
  const user = new URLSearchParams(req.json?.query as string).get('user');
  sendJson(res, 200, user ? { allow: true, identity: user } : { allow: true });
});

/** The webhook receiver: fails the first try of each event id, takes the rest; counts by id. */
const tries = new Map<string, number>();
const delivered = new Map<string, number>();
const receiver = new HttpStub((req, res) => {
  const id = String(req.headers['x-mwse-event-id']);
  expect(req.json?.id).toBe(id);
  const n = (tries.get(id) ?? 0) + 1;
  tries.set(id, n);
  if (n === 1) return sendJson(res, 500, { error: 'not yet' });
  delivered.set(id, (delivered.get(id) ?? 0) + 1);
  sendJson(res, 200, { ok: true });
});

const root = mkdtempSync(join(tmpdir(), 'mwse-durability-'));
const children: ChildProcess[] = [];
beforeAll(() => Promise.all([approver.start(), receiver.start()]));
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all([approver.close(), receiver.close()]);
  rmSync(root, { recursive: true, force: true });
});

/** Start the server on `dataDir` (and `storeEnv`); resolves with its port and how long start-up took. */
async function startServer(
  transport: TransportUnderTest,
  dataDir: string,
  storeEnv: Record<string, string>,
): Promise<{ child: ChildProcess; port: number; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI], {
    env: {
      PATH: process.env.PATH,
      MWSE_HOST: '127.0.0.1',
      MWSE_PORT: '0',
      MWSE_TRANSPORT: transport,
      MWSE_STORE: 'sqlite',
      MWSE_DATA_DIR: dataDir,
      ...storeEnv,
      MWSE_LOG_LEVEL: 'warn',
      MWSE_RATE_LIMIT: '0',
      MWSE_NOTIFY_MAX_PER_SENDER: String(IDENTITIES * PER_IDENTITY + REPLIES),
      BRIDGE_APPROVE_URL: approver.url,
      BRIDGE_TRIGGER_URL: receiver.url,
      MWSE_BRIDGE_SECRET: SECRET,
      // Long enough that the retries are still waiting when the server is killed.
      BRIDGE_TRIGGER_RETRY_DELAY: '3s',
      BRIDGE_INBOX: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  const port = await withTimeout(
    new Promise<number>((resolve, reject) => {
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        const match = /listening on ws:\/\/[^:]+:(\d+)/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      child.on('exit', (code) => reject(new Error(`server exited (${code}) before listening: ${out}`)));
    }),
    15_000,
    'server start',
  );
  return { child, port, ms: Date.now() - started };
}

/**
 * Connections dropped right after their `101`, before the hello (seen on uWebSockets.js with the
 * Redis store: docs/storage.md, known issues). A client reconnects after one, as the SDK does;
 * the scenario does too, at most twice, and reports how many it saw.
 */
let handshakeDrops = 0;

/** A raw connection as `user`, collecting frames; `request` sends a frame with an id and waits for its answer. */
async function connect(port: number, user: string, attempt = 1): ReturnType<typeof open> {
  const connection = await open(port, user);
  if (await connection.greeted) return connection;
  handshakeDrops++;
  if (attempt >= 3) throw new Error(`${user}: the connection dropped before its hello ${attempt} times`);
  return connect(port, user, attempt + 1);
}

async function open(port: number, user: string) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/?user=${user}`);
  // True once the hello came; false when the socket closed before it.
  const greeted = new Promise<boolean>((resolve) => {
    ws.once('message', () => resolve(true));
    ws.once('close', () => resolve(false));
  });
  const frames: Frame[] = [];
  const answers = new Map<number, (frame: Frame) => void>();
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data)) as Frame;
    const id = frame.id as number | undefined;
    if ((frame.type === 'result' || frame.type === 'error') && id !== undefined && answers.has(id)) {
      answers.get(id)!(frame);
      answers.delete(id);
    } else frames.push(frame);
  });
  await withTimeout(new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject)), 5000, `${user} connects`);
  let next = 0;
  const request = (frame: Record<string, unknown>) =>
    withTimeout(
      new Promise<Frame>((resolve) => {
        const id = ++next;
        answers.set(id, resolve);
        ws.send(JSON.stringify({ ...frame, id }));
      }),
      10_000,
      `answer to ${String(frame.type)}`,
    );
  const notes = () => frames.filter((f) => f.type === 'notify');
  return { ws, frames, notes, request, greeted };
}

/** Run `work` over `items`, `size` at a time. */
async function inBatches<T>(items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

/**
 * Store 10,000 notifications, mint keys, leave webhook retries pending, kill -9 the server, run
 * `between` (a Redis restart, say), start it again on the same store: every acknowledged thing is
 * there, delivered once.
 */
export async function killAndRestart(transport: TransportUnderTest, storeEnv: Record<string, string>, between?: () => Promise<void>): Promise<void> {
    tries.clear();
    delivered.clear();
    const dataDir = mkdtempSync(join(root, `${transport}-`));
    const first = await startServer(transport, dataDir, storeEnv);

    // 10,000 notifications to 1,000 offline identities, each acknowledged `stored`.
    const sender = await connect(first.port, 'sender');
    const sent = new Map<string, string>();
    const targets = Array.from({ length: IDENTITIES * PER_IDENTITY }, (_, i) => `user-${i % IDENTITIES}`);
    await inBatches(targets, 500, async (identity) => {
      const answer = await sender.request({ type: 'notify/send', identity, title: 'while you were away' });
      const data = answer.data as { nid: string; status: string };
      expect(answer.type, JSON.stringify(answer)).toBe('result');
      expect(data.status).toBe('stored');
      sent.set(data.nid, identity);
    });
    expect(sent.size).toBe(IDENTITIES * PER_IDENTITY);

    // API keys, each answered 201.
    const keys: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`http://127.0.0.1:${first.port}/api/auth/key`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ domain: `app${i}.example` }),
      });
      expect(res.status).toBe(201);
      keys.push(((await res.json()) as { key: string }).key);
    }

    // Replies make webhooks; the receiver fails each first try, so all wait to retry.
    const replier = await connect(first.port, 'replier');
    for (let i = 0; i < REPLIES; i++) {
      const answer = await sender.request({ type: 'notify/send', identity: 'replier', title: 'answer me', actions: [{ id: 'ok', title: 'OK' }] });
      expect((answer.data as { status: string }).status).toBe('delivered');
    }
    await eventually(() => replier.notes().length === REPLIES, 5000, 'replier has its notifications');
    for (const note of replier.notes()) {
      expect((await replier.request({ type: 'notify/reply', nid: note.nid, action: 'ok' })).type).toBe('result');
    }
    await eventually(() => tries.size === REPLIES, 5000, 'every webhook tried once');
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    expect(delivered.size).toBe(0);
    const eventIds = [...tries.keys()];
    await between?.();

    const second = await startServer(transport, dataDir, storeEnv);
    console.log(`restart on ${sent.size} stored notifications: ${second.ms} ms to listening`);

    // Pending webhooks go on: each event id taken exactly once.
    await eventually(() => delivered.size === REPLIES, 15_000, 'pending webhooks delivered after the restart');
    expect([...delivered.keys()].sort()).toEqual([...eventIds].sort());
    expect([...delivered.values()].every((n) => n === 1)).toBe(true);

    // Keys minted before still work; the inbox kept its events, with the same ids.
    for (const key of keys) {
      const res = await fetch(`http://127.0.0.1:${second.port}/api/bridge/inbox`, { method: 'POST', headers: { 'x-api-key': key } });
      expect(res.status).toBe(200);
      const { events } = (await res.json()) as { events: { id: string }[] };
      if (key === keys[0]) expect(events.map((e) => e.id).sort()).toEqual([...eventIds].sort());
    }
    const forged = await fetch(`http://127.0.0.1:${second.port}/api/bridge/inbox`, { method: 'POST', headers: { 'x-api-key': 'mwse_forged' } });
    expect(forged.status).toBe(403);

    // Every identity connects: each stored notification shown once.
    const shown = new Map<string, number>();
    const identities = Array.from({ length: IDENTITIES }, (_, i) => `user-${i}`);
    await inBatches(identities, 50, async (identity) => {
      const client = await connect(second.port, identity);
      await eventually(() => client.notes().length >= PER_IDENTITY, 10_000, `${identity} has its notifications`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      for (const note of client.notes()) {
        expect(sent.get(note.nid as string)).toBe(identity);
        shown.set(note.nid as string, (shown.get(note.nid as string) ?? 0) + 1);
      }
      client.ws.close();
    });
    const lost = [...sent.keys()].filter((nid) => !shown.has(nid)).length;
    const twice = [...shown.values()].filter((n) => n > 1).length;
    console.log(`after kill -9: ${shown.size} delivered, ${lost} lost, ${twice} shown twice; ${handshakeDrops} connections dropped before their hello and made again`);
    expect({ delivered: shown.size, lost, twice }).toEqual({ delivered: IDENTITIES * PER_IDENTITY, lost: 0, twice: 0 });
    second.child.kill('SIGTERM');
}
