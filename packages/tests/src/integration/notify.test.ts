import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type MWSE from '@mwse/client';
import type { Notification, NotificationReply } from '@mwse/client';
import { TRANSPORTS, eventually, once, settle, useServer } from './harness.js';
import { sendJson, useHttpStub } from './httpStub.js';

/** The app server's approver: every connection is let in, as the identity its `user` query names. */
function identityApprover() {
  return useHttpStub((req, res) => {
    const user = new URLSearchParams(req.json.query as string).get('user');
    sendJson(res, 200, user ? { allow: true, identity: user } : { allow: true });
  });
}

/** Collect every notification a client shows. */
function collect(mwse: MWSE): Notification[] {
  const seen: Notification[] = [];
  mwse.on('notification', (n) => seen.push(n));
  return seen;
}

let n = 0;
const someone = (base: string) => `${base}-${++n}`;

describe.each(TRANSPORTS)('notifications over %s', (transport) => {
  const approver = identityApprover();
  const { state, client, unscoped, raw } = useServer(transport, () => ({
    approveUrl: approver.url,
    notifyMaxPerIdentity: 3,
    notifyMaxPerSender: 5,
  }));
  const as = (identity: string) => client({}, `user=${identity}`);

  /** Reply to notification `nid` over a raw connection (as `identity`); resolves with the answer frame. */
  async function replyAs(identity: string | undefined, nid: string, action: string) {
    const socket = await raw(identity === undefined ? {} : { path: `/?user=${identity}` });
    socket.send({ type: 'notify/reply', id: 1, nid, action });
    return Promise.race([socket.next('result'), socket.next('error')]);
  }

  it('delivers to a connected peer at once, with every field', async () => {
    const sender = await as(someone('sender'));
    const target = await client();
    await target.disablePairAuth();
    const got = once<[Notification]>(target, 'notification');
    const result = await sender.peer(target.me.socketId).notify({
      title: 'Invoice ready',
      body: 'March is ready to pay',
      actions: [{ id: 'open', title: 'Open' }],
      data: { invoice: 7 },
    });
    expect(result).toEqual({ nid: expect.any(String), status: 'delivered' });
    const [notification] = await got;
    expect(notification).toMatchObject({
      nid: result.nid,
      title: 'Invoice ready',
      body: 'March is ready to pay',
      actions: [{ id: 'open', title: 'Open' }],
      data: { invoice: 7 },
      fromIdentity: sender.server?.identity,
    });
    expect(notification.from).toBe(target.peer(sender.me.socketId));
    expect(notification.expiresAt).toBeGreaterThan(notification.sentAt);
  });

  it('refuses a peer target that is offline (unreachable) or has not accepted the sender (not-paired)', async () => {
    const sender = await client();
    const target = await client();
    await expect(sender.peer(target.me.socketId).notify({ title: 'hi' })).rejects.toMatchObject({ code: 'not-paired' });
    const gone = target.me.socketId;
    target.close();
    await eventually(() => state.engine.hub.peer(gone) === undefined);
    await expect(sender.peer(gone).notify({ title: 'hi' })).rejects.toMatchObject({ code: 'unreachable' });
  });

  it('stores a notification for an offline identity and delivers it exactly once after it connects', async () => {
    const bob = someone('bob');
    const sender = await as(someone('sender'));
    const result = await sender.notify({ identity: bob }, { title: 'while you were away' });
    expect(result.status).toBe('stored');
    const first = unscoped({}, `user=${bob}`);
    const shown = collect(first);
    await eventually(() => shown.length === 1, 2000, 'the stored notification');
    expect(shown[0]).toMatchObject({ nid: result.nid, title: 'while you were away' });
    await eventually(() => state.engine.hub.notifications.size === 0, 2000, 'the ack to remove it');
    // Another connection of bob later: nothing is waiting any more.
    const second = unscoped({}, `user=${bob}`);
    const again = collect(second);
    await second.scope();
    await settle();
    expect(again).toEqual([]);
    expect(shown).toHaveLength(1);
  });

  it('delivers stored notifications to a listener added once scope resolved (regression: acked before anyone listened)', async () => {
    const carol = someone('carol');
    const sender = await as(someone('sender'));
    await sender.notify({ identity: carol }, { title: 'one' });
    await sender.notify({ identity: carol }, { title: 'two' });
    const recipient = await as(carol);
    const shown = collect(recipient);
    await eventually(() => shown.length === 2, 2000, 'both stored notifications');
    expect(shown.map((x) => x.title)).toEqual(['one', 'two']);
  });

  it('keeps a notification nobody listened to on the server for the next connection', async () => {
    const dan = someone('dan');
    const sender = await as(someone('sender'));
    const { nid } = await sender.notify({ identity: dan }, { title: 'keep me' });
    const silent = await as(dan);
    await settle();
    expect(state.engine.hub.notifications.size).toBeGreaterThan(0);
    silent.close();
    const later = unscoped({}, `user=${dan}`);
    const shown = collect(later);
    await eventually(() => shown.length === 1, 2000, 'the notification on the next connection');
    expect(shown[0]!.nid).toBe(nid);
  });

  it('delivers to every connection of an online identity, status delivered', async () => {
    const erin = someone('erin');
    const phone = await as(erin);
    const laptop = await as(erin);
    const onPhone = once<[Notification]>(phone, 'notification');
    const onLaptop = once<[Notification]>(laptop, 'notification');
    const sender = await as(someone('sender'));
    const result = await sender.notify({ identity: erin }, { title: 'both' });
    expect(result.status).toBe('delivered');
    expect((await onPhone)[0].nid).toBe(result.nid);
    expect((await onLaptop)[0].nid).toBe(result.nid);
  });

  it('is shown exactly once across an SDK reconnect before the ack reached the server', async () => {
    const fay = someone('fay');
    const sender = await as(someone('sender'));
    const { nid } = await sender.notify({ identity: fay }, { title: 'exactly once' });
    // A WebSocket that loses the first ack: the connection drops before it reaches the server.
    let dropped = false;
    class LossyWebSocket extends WebSocket {
      override send(data: string | Uint8Array): void {
        if (!dropped && typeof data === 'string' && data.includes('"notify/ack"')) {
          dropped = true;
          this.terminate();
          return;
        }
        super.send(data);
      }
    }
    const recipient = unscoped(
      { WebSocket: LossyWebSocket, reconnect: { initialDelay: 20, maxDelay: 20 } },
      `user=${fay}`,
    );
    const shown = collect(recipient);
    await once(recipient, 'reconnect', 3000);
    await eventually(() => state.engine.hub.notifications.size === 0, 2000, 'the second ack');
    await settle();
    expect(dropped).toBe(true);
    expect(shown.map((x) => x.nid)).toEqual([nid]);
  });

  it('carries the reply back to the sender, by socket and by identity', async () => {
    const gus = someone('gus');
    const sender = await as(someone('shop'));
    const recipient = await as(gus);
    const got = once<[Notification]>(recipient, 'notification');
    const { nid } = await sender.notify({ identity: gus }, {
      title: 'Accept the offer?',
      actions: [
        { id: 'yes', title: 'Yes' },
        { id: 'no', title: 'No' },
      ],
    });
    const [notification] = await got;
    const replied = once<[NotificationReply]>(sender, 'notification/reply');
    await notification.reply('yes', { note: 'deal' });
    const [reply] = await replied;
    expect(reply).toMatchObject({ nid, action: 'yes', data: { note: 'deal' }, fromIdentity: gus });
    expect(reply.peer).toBe(sender.peer(recipient.me.socketId));
  });

  it('refuses a reply with an action the notification does not offer, to an unknown id, or from someone else', async () => {
    const hal = someone('hal');
    const sender = await as(someone('sender'));
    const recipient = await as(hal);
    const got = once<[Notification]>(recipient, 'notification');
    const { nid } = await sender.notify({ identity: hal }, { title: 'pick', actions: [{ id: 'ok', title: 'OK' }] });
    const [notification] = await got;
    await expect(notification.reply('maybe')).rejects.toMatchObject({ code: 'bad-frame' });
    expect(await replyAs(someone('stranger'), nid, 'ok')).toMatchObject({ type: 'error', code: 'not-found' });
    expect(await replyAs(undefined, nid, 'ok')).toMatchObject({ type: 'error', code: 'not-found' });
    expect(await replyAs(hal, 'no-such-notification', 'ok')).toMatchObject({ type: 'error', code: 'not-found' });
    // Another connection of the same identity may answer.
    expect(await replyAs(hal, nid, 'ok')).toMatchObject({ type: 'result', id: 1 });
  });

  it('refuses over the per-identity quota, then over the per-sender quota (rate-limited)', async () => {
    const ivy = someone('ivy');
    const sender = await as(someone('sender'));
    for (let i = 0; i < 3; i++) await sender.notify({ identity: ivy }, { title: `#${i}` });
    await expect(sender.notify({ identity: ivy }, { title: 'one too many' })).rejects.toMatchObject({
      code: 'rate-limited',
    });
    await sender.notify({ identity: someone('jay') }, { title: '#4' });
    await sender.notify({ identity: someone('kim') }, { title: '#5' });
    await expect(sender.notify({ identity: someone('lee') }, { title: '#6' })).rejects.toMatchObject({
      code: 'rate-limited',
    });
    // Draining ivy's box (she connects and acks) frees the sender's quota again.
    const ivyOnline = unscoped({}, `user=${ivy}`);
    const shown = collect(ivyOnline);
    await eventually(() => shown.length === 3, 2000, "ivy's three notifications");
    await eventually(() => state.engine.hub.notifications.size <= 2, 2000, 'the acks');
    await expect(sender.notify({ identity: someone('lee') }, { title: '#6 again' })).resolves.toMatchObject({
      status: 'stored',
    });
  });

  it('keeps the quota of a sender without identity across its reconnects (regression: a new socket id reset it)', async () => {
    // Every other test here sends as an identity, so this address's quota is all this test's.
    const first = await client();
    let sent = 0;
    for (;;) {
      const outcome = await first.notify({ identity: someone('nobody') }, { title: 'spam?' }).then(
        () => 'ok',
        (e: { code: string }) => e.code,
      );
      if (outcome !== 'ok') {
        expect(outcome).toBe('rate-limited');
        break;
      }
      sent++;
    }
    expect(sent).toBe(5);
    first.close();
    const again = await client();
    await expect(again.notify({ identity: someone('nobody') }, { title: 'spam again' })).rejects.toMatchObject({
      code: 'rate-limited',
    });
  });

  it('drops a stored notification once its ttl has passed', async () => {
    const max = someone('max');
    const sender = await as(someone('sender'));
    const { nid } = await sender.notify({ identity: max }, { title: 'short-lived', ttl: 1 });
    await settle(1100);
    const late = unscoped({}, `user=${max}`);
    const shown = collect(late);
    await late.scope();
    await settle();
    expect(shown).toEqual([]);
    expect(await replyAs(max, nid, 'ok')).toMatchObject({ type: 'error', code: 'not-found' });
  });
});

describe.each(TRANSPORTS)('the notification store bound over %s', (transport) => {
  const approver = identityApprover();
  const { client } = useServer(transport, () => ({ approveUrl: approver.url, notifyMaxStored: 2 }));

  it('refuses with exhausted once the server holds notifyMaxStored in all', async () => {
    const senders = await Promise.all(['s1', 's2', 's3'].map((s) => client({}, `user=${s}-${transport}`)));
    await senders[0]!.notify({ identity: 'r1' }, { title: '1' });
    await senders[1]!.notify({ identity: 'r2' }, { title: '2' });
    await expect(senders[2]!.notify({ identity: 'r3' }, { title: '3' })).rejects.toMatchObject({ code: 'exhausted' });
  });
});

/** A `notify/send` frame as text, its `data` nested `depth` arrays deep (JSON.stringify overflows the stack on it). */
function deepNotify(id: number, target: { identity: string } | { to: string }, depth = 5000): string {
  const head = JSON.stringify({ type: 'notify/send', id, ...target, title: 'deep' }).slice(0, -1);
  return `${head},"data":${'['.repeat(depth)}${']'.repeat(depth)}}`;
}

describe.each(TRANSPORTS)('notifications that cannot be encoded, over %s', (transport) => {
  const approver = identityApprover();
  const { state, client, raw } = useServer(transport, () => ({ approveUrl: approver.url }));

  it('refuses data nested 5000 deep and stores nothing (regression: stored, then delivering it killed the server on connect)', async () => {
    const target = someone('deep');
    const sender = await raw();
    sender.send(deepNotify(1, { identity: target }));
    // Refused at decode, before the notify service (which also encodes before it stores).
    expect(await sender.next('error')).toMatchObject({ id: 1, code: 'too-large', message: expect.stringMatching(/nests deeper/) });
    expect(state.engine.hub.notifications.waiting(target)).toEqual([]);
    expect(state.engine.hub.notifications.size).toBe(0);

    // The peer target gets the same clear refusal, not `internal`.
    const online = await client();
    await online.disablePairAuth();
    sender.send(deepNotify(2, { to: online.me.socketId }));
    expect(await sender.next('error')).toMatchObject({ id: 2, code: 'too-large' });

    // The identity connects: the server stays up and still delivers what it can encode.
    const recipient = await raw({ path: `/?user=${target}` });
    sender.send({ type: 'notify/send', id: 3, identity: target, title: 'shallow', data: [[1]] });
    expect(await sender.next('result')).toMatchObject({ id: 3, data: { status: 'delivered' } });
    expect(await recipient.next('notify')).toMatchObject({ title: 'shallow', data: [[1]] });
    const later = await raw();
    expect(later.socketId).not.toBe('');
  });

  it('delivers the other stored notifications when one fails to go out on connect (regression: one throw left Hub.open)', async () => {
    const target = someone('fragile');
    const sender = await client();
    const first = await sender.notify({ identity: target }, { title: 'first' });
    const second = await sender.notify({ identity: target }, { title: 'second' });
    const { hub } = state.engine;
    const original = hub.sendEncoded;
    let injected = 0;
    hub.sendEncoded = function (peer, data, type) {
      if (type === 'notify' && injected++ === 0) throw new Error('injected send failure');
      return original.call(this, peer, data, type);
    };
    try {
      const recipient = await raw({ path: `/?user=${target}` });
      expect(await recipient.next('notify')).toMatchObject({ nid: second.nid, title: 'second' });
      expect(injected).toBe(2);
    } finally {
      hub.sendEncoded = original;
    }
    // The one that failed is still stored for the next connection.
    const again = await raw({ path: `/?user=${target}` });
    const frames = [await again.next('notify'), await again.next('notify')];
    expect(frames.map((f) => f.nid).sort()).toEqual([first.nid, second.nid].sort());
  });
});

/** Data that makes a notification frame of a little over 10 000 bytes. */
const TEN_KB = 'x'.repeat(10_000);

describe.each(TRANSPORTS)('notification byte quotas over %s', (transport) => {
  describe('per identity', () => {
    const approver = identityApprover();
    const { state, client, unscoped } = useServer(transport, () => ({
      approveUrl: approver.url,
      notifyMaxBytesPerIdentity: 25_000,
    }));

    it('refuses past the bytes one identity may have waiting, and the ack frees them (regression: only notifications were counted)', async () => {
      const target = someone('bytes-to');
      const sender = await client({}, `user=${someone('bytes-from')}`);
      for (let i = 0; i < 2; i++) await sender.notify({ identity: target }, { title: `#${i}`, data: TEN_KB });
      await expect(sender.notify({ identity: target }, { title: 'over', data: TEN_KB })).rejects.toMatchObject({
        code: 'rate-limited',
        message: expect.stringMatching(/25000 bytes/),
      });
      const { hub } = state.engine;
      expect(hub.metrics.get('mwse_dropped_total', 'notify-quota-identity-bytes')).toBe(1);
      expect(hub.notifications.bytes).toBeGreaterThan(20_000);
      expect(hub.notifications.bytes).toBeLessThanOrEqual(25_000);
      // One notification larger than the quota on its own can never fit.
      await expect(
        sender.notify({ identity: someone('other') }, { title: 'huge', data: 'x'.repeat(30_000) }),
      ).rejects.toMatchObject({ code: 'too-large' });

      const shown = collect(unscoped({}, `user=${target}`));
      await eventually(() => shown.length === 2, 2000, 'the two stored notifications');
      await eventually(() => hub.notifications.bytes === 0, 2000, 'the acks to free the bytes');
      await expect(sender.notify({ identity: target }, { title: 'fits again', data: TEN_KB })).resolves.toMatchObject({
        status: 'delivered',
      });
    });
  });

  describe('per sender', () => {
    const approver = identityApprover();
    const { state, client } = useServer(transport, () => ({
      approveUrl: approver.url,
      notifyMaxBytesPerSender: 45_000,
    }));

    it('refuses past the bytes one sender may have waiting, and expiry frees them', async () => {
      const sender = await client({}, `user=${someone('heavy')}`);
      for (let i = 0; i < 4; i++) {
        await sender.notify({ identity: someone('to') }, { title: `#${i}`, data: TEN_KB, ttl: 1 });
      }
      await expect(sender.notify({ identity: someone('to') }, { title: 'over', data: TEN_KB })).rejects.toMatchObject({
        code: 'rate-limited',
        message: expect.stringMatching(/45000 bytes/),
      });
      const { hub } = state.engine;
      expect(hub.metrics.get('mwse_dropped_total', 'notify-quota-sender-bytes')).toBe(1);
      // Another sender is not held back by this one's quota.
      const other = await client({}, `user=${someone('light')}`);
      await expect(other.notify({ identity: someone('to') }, { title: 'mine', data: TEN_KB })).resolves.toMatchObject({
        status: 'stored',
      });
      await settle(1100);
      await expect(sender.notify({ identity: someone('to') }, { title: 'after expiry', data: TEN_KB })).resolves.toMatchObject({
        status: 'stored',
      });
      expect(hub.notifications.size).toBe(2);
    });
  });

  describe('in all', () => {
    const approver = identityApprover();
    const { state, client, unscoped } = useServer(transport, () => ({
      approveUrl: approver.url,
      notifyMaxBytesPerSender: 45_000,
      notifyMaxBytesStored: 75_000,
    }));

    it('refuses with exhausted once the server holds notifyMaxBytesStored, and the ack frees them', async () => {
      const a = await client({}, `user=${someone('a')}`);
      const b = await client({}, `user=${someone('b')}`);
      const firstTarget = someone('to');
      await a.notify({ identity: firstTarget }, { title: 'a0', data: TEN_KB });
      for (let i = 1; i < 4; i++) await a.notify({ identity: someone('to') }, { title: `a${i}`, data: TEN_KB });
      for (let i = 0; i < 3; i++) await b.notify({ identity: someone('to') }, { title: `b${i}`, data: TEN_KB });
      await expect(b.notify({ identity: someone('to') }, { title: 'over', data: TEN_KB })).rejects.toMatchObject({
        code: 'exhausted',
        message: expect.stringMatching(/75000/),
      });
      const { hub } = state.engine;
      expect(hub.metrics.get('mwse_dropped_total', 'notify-quota-total-bytes')).toBe(1);
      expect(hub.notifications.bytes).toBeLessThanOrEqual(75_000);

      const shown = collect(unscoped({}, `user=${firstTarget}`));
      await eventually(() => shown.length === 1, 2000, 'the stored notification');
      await eventually(() => hub.notifications.size === 6, 2000, 'the ack');
      await expect(b.notify({ identity: someone('to') }, { title: 'fits again', data: TEN_KB })).resolves.toMatchObject({
        status: 'stored',
      });
    });
  });
});
