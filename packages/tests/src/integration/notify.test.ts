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
