import { join } from 'node:path';
import type { MWSE, Peer } from '@mwse/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStudio, SCREENSHOTS, startHarness, until, type Harness, type StudioPage } from './harness.js';

let harness: Harness;
let studio: StudioPage | undefined;

beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.close();
});
afterEach(async () => {
  expect(studio?.errors ?? []).toEqual([]);
  await studio?.page.close();
  studio = undefined;
  harness.closePeers();
});

/** A public room `name` made by a peer called `owner`, joined by one peer per name in `others`. */
async function roomWith(name: string, owner: string, ...others: string[]): Promise<MWSE[]> {
  const creator = await harness.peer(owner);
  await creator.room({ name, joinType: 'free' }).createRoom();
  const members = [creator];
  for (const other of others) {
    const peer = await harness.peer(other);
    await peer.room(name).join();
    members.push(peer);
  }
  return members;
}

/** Opens Studio and browses Rooms › `room`; resolves with the room's column. */
async function browseRoom(s: StudioPage, room: string) {
  await s.row(s.column('root'), 'Rooms').click();
  await s.row(s.column('rooms'), room).click();
  const column = s.column('room');
  await column.locator('.mws-column__title', { hasText: room }).waitFor();
  return column;
}

describe('Studio in Chromium', () => {
  it('serves the seed snippet: the demo page loads Studio and the client and nothing else', async () => {
    studio = await openStudio(harness);
    expect(studio.socketId).toMatch(/^[0-9a-f-]{36}$/);
    const scripts = studio.requests.filter((path) => path.endsWith('.js') || path.endsWith('.css'));
    expect(scripts.sort()).toEqual(['/sdk/index.js', '/sdk/studio/index.js', '/sdk/studio/style.css']);
    expect(await studio.labels(studio.column('root'))).toEqual(['Me', 'Rooms', 'Pairs', 'Notifications', 'Traffic', expect.stringMatching(/^mwse /)]);

    // mount() again (the snippet's `scope` listener does after a reconnect) redraws in place;
    // unmount() takes Studio off the page, and mount() brings it back.
    const page = studio.page;
    await page.evaluate(() => (window as unknown as { studio: { mount(): void } }).studio.mount());
    expect(await page.locator('.mws-studio').count()).toBe(1);
    await page.evaluate(() => (window as unknown as { studio: { unmount(): void } }).studio.unmount());
    expect(await page.locator('.mws-studio').count()).toBe(0);
    await page.evaluate(() => (window as unknown as { studio: { mount(): void } }).studio.mount());
    await studio.row(studio.column('root'), 'Rooms').click();
    await studio.column('rooms').locator('.mws-column__empty', { hasText: 'No public rooms yet' }).waitFor();
  });

  it('lists a public room with its member count; choosing it opens its members by info name to its right', async () => {
    await roomWith('lobby', 'Alice', 'Bob');
    studio = await openStudio(harness);
    const s = studio;
    await s.row(s.column('root'), 'Rooms').click();
    const rooms = s.column('rooms');
    const lobby = s.row(rooms, 'lobby');
    await lobby.waitFor();
    expect(await lobby.locator('.mws-item__badge').textContent()).toBe('2 members');

    await lobby.click();
    const room = s.column('room');
    await s.row(room, 'Alice').waitFor();
    await s.row(room, 'Bob').waitFor();
    const order = await s.page.locator('.mws-column').evaluateAll((columns) => columns.map((c) => (c as HTMLElement).dataset.view));
    expect(order).toEqual(['root', 'rooms', 'room']);
    expect(await room.locator('.mws-column__count').textContent()).toBe('2');
    await s.page.screenshot({ path: join(SCREENSHOTS, 'room-1280x800.png') });
  });

  it('filters each column as you type in its search box', async () => {
    await roomWith('search-room', 'Alice', 'Bob', 'Carol');
    studio = await openStudio(harness);
    const s = studio;
    const root = s.column('root');
    await root.locator('.mws-search').fill('roo');
    expect(await s.labels(root)).toEqual(['Rooms']);
    expect(await root.locator('.mws-column__count').textContent()).toBe('1 of 6');
    await root.locator('.mws-search').fill('');
    expect(await s.labels(root)).toHaveLength(6);

    const room = await browseRoom(s, 'search-room');
    await s.row(room, 'Carol').waitFor();
    await room.locator('.mws-search').fill('car');
    expect(await s.labels(room)).toEqual(['Carol']);
    expect(await room.locator('.mws-column__count').textContent()).toBe('1 of 3');
    // Every word must match, wherever it is: here the label and the group heading.
    await room.locator('.mws-search').fill('members bo');
    expect(await s.labels(room)).toEqual(['Bob']);
    await room.locator('.mws-search').press('Escape');
    expect(await s.labels(room)).toEqual(['Info', 'Traffic', 'Alice', 'Bob', 'Carol']);
  });

  it('is driven by the keyboard: arrows move and open, Enter chooses, typing searches', async () => {
    await roomWith('keys-room', 'Alice', 'Bob');
    studio = await openStudio(harness);
    const s = studio;
    const { keyboard } = s.page;
    const focusedView = () => s.page.evaluate(() => (document.activeElement?.closest('.mws-column') as HTMLElement | null)?.dataset.view);
    const selected = (kind: string) => s.column(kind).locator('.mws-item[aria-selected="true"] .mws-item__label').textContent();

    // Studio takes the keyboard on mount; ↓ selects and opens as it moves.
    expect(await focusedView()).toBe('root');
    await keyboard.press('ArrowDown');
    expect(await selected('root')).toBe('Me');
    await s.column('me').waitFor();
    await keyboard.press('ArrowDown');
    expect(await selected('root')).toBe('Rooms');
    await s.column('rooms').waitFor();
    expect(await s.column('me').count()).toBe(0);

    // → goes into the opened column and selects its first item, which opens the next one.
    await s.row(s.column('rooms'), 'keys-room').waitFor();
    await keyboard.press('ArrowRight');
    expect(await focusedView()).toBe('rooms');
    expect(await selected('rooms')).toBe('keys-room');
    await s.row(s.column('room'), 'Bob').waitFor();

    // Enter chooses: the focus moves into the room's column.
    await keyboard.press('Enter');
    expect(await focusedView()).toBe('room');
    expect(await selected('room')).toBe('Info');

    // Typing goes to the search box, and ↓ comes back to the filtered list.
    await keyboard.type('bo');
    expect(await s.page.evaluate(() => (document.activeElement as HTMLInputElement).value)).toBe('bo');
    expect(await s.labels(s.column('room'))).toEqual(['Bob']);
    await keyboard.press('ArrowDown');
    expect(await selected('room')).toBe('Bob');
    await s.column('peer').locator('.mws-column__title', { hasText: 'Bob' }).waitFor();
    await keyboard.press('End');
    expect(await selected('room')).toBe('Bob');

    // ← goes back a column, keeping what is open to the right.
    await keyboard.press('ArrowLeft');
    expect(await focusedView()).toBe('rooms');
    expect(await s.column('peer').count()).toBe(1);
    await keyboard.press('ArrowLeft');
    expect(await focusedView()).toBe('root');
    await keyboard.press('ArrowUp');
    expect(await selected('root')).toBe('Me');
    expect(await s.page.locator('.mws-column').count()).toBe(2);
  });

  it('updates open columns live as peers join, change their info and leave', async () => {
    const [alice] = await roomWith('live-room', 'Alice');
    studio = await openStudio(harness);
    const s = studio;
    const room = await browseRoom(s, 'live-room');
    await s.row(room, 'Alice').waitFor();

    // Not a member: the members are polled.
    const carol = await harness.peer('Carol');
    await carol.room('live-room').join();
    await s.row(room, 'Carol').waitFor();
    expect(await s.row(s.column('rooms'), 'live-room').locator('.mws-item__badge').textContent()).toBe('2 members');
    await carol.me.info.set('name', 'Caroline');
    await s.row(room, 'Caroline').waitFor();
    await carol.room('live-room').leave();
    await s.row(room, 'Caroline').waitFor({ state: 'detached' });

    // Joined: members come and go by the room's events, and Studio is listed as "you".
    await room.getByRole('button', { name: 'Join room' }).click();
    await room.locator('.mws-item', { hasText: 'you' }).waitFor();
    const dave = await harness.peer('Dave');
    await dave.room('live-room').join();
    await s.row(room, 'Dave').waitFor();

    // An open peer column follows that peer's info.
    await s.row(room, 'Alice').click();
    const peer = s.column('peer');
    await peer.locator('.mws-column__title', { hasText: 'Alice' }).waitFor();
    await alice!.me.info.set('mood', 'busy');
    await s.row(peer, 'mood').waitFor();
    expect(await s.row(peer, 'mood').locator('.mws-item__detail').textContent()).toBe('busy');
    await alice!.me.info.set('name', 'Alicia');
    await peer.locator('.mws-column__title', { hasText: 'Alicia' }).waitFor();
    await s.row(room, 'Alicia').waitFor();

    // Leaving closes the columns opened from that peer.
    dave.close();
    await s.row(room, 'Dave').waitFor({ state: 'detached' });
    alice!.close();
    await s.row(room, 'Alicia').waitFor({ state: 'detached' });
    expect(await s.column('peer').count()).toBe(0);
  });

  it('sends a pair request that reaches a Node peer, and shows its acceptance', async () => {
    const [, bob] = await roomWith('pair-room', 'Alice', 'Bob');
    studio = await openStudio(harness);
    const s = studio;
    const asked = new Promise<Peer>((resolve) => bob!.on('request/pair', resolve));
    const room = await browseRoom(s, 'pair-room');
    await s.row(room, 'Bob').click();
    const peer = s.column('peer');
    await peer.getByRole('button', { name: 'Request pair' }).click();

    const from = await asked;
    expect(from.socketId).toBe(s.socketId);
    await s.row(peer, 'Pairing').locator('.mws-item__badge', { hasText: 'pair asked' }).waitFor();
    await from.acceptPair();
    await s.row(peer, 'Pairing').locator('.mws-item__badge', { hasText: /^paired$/ }).waitFor();
    await peer.getByRole('button', { name: 'End pair' }).waitFor();
    expect(await s.row(s.column('root'), 'Pairs').locator('.mws-item__badge').textContent()).toBe('1');
    await s.page.screenshot({ path: join(SCREENSHOTS, 'paired-1280x800.png') });
  });

  it('sends a message and a request from Studio, and shows the answer', async () => {
    const [, bob] = await roomWith('talk-room', 'Alice', 'Bob');
    await bob!.disablePairAuth();
    const received: unknown[] = [];
    bob!.on('message', (pack) => received.push(pack));
    bob!.on('request', (request) => request.response({ echo: request.body }));
    studio = await openStudio(harness);
    const s = studio;
    const room = await browseRoom(s, 'talk-room');
    await s.row(room, 'Bob').click();
    const peer = s.column('peer');
    const body = peer.getByRole('textbox', { name: 'Message or request body' });

    await body.fill('{"text":"hello from Studio"}');
    await body.press('Enter');
    expect(await until(() => received[0])).toEqual({ text: 'hello from Studio' });
    await body.fill('plain words');
    await peer.getByRole('button', { name: 'Send', exact: true }).click();
    await until(() => received.length === 2);
    expect(received[1]).toBe('plain words');

    await body.fill('ping');
    await peer.getByRole('button', { name: 'Request', exact: true }).click();
    await peer.locator('.mws-column__status', { hasText: 'Answer: {"echo":"ping"}' }).waitFor();

    // Everything shows in the peer's traffic, newest first.
    await s.row(peer, 'Traffic').click();
    const traffic = s.column('traffic');
    await s.row(traffic, '{"echo":"ping"}').waitFor();
    expect(await s.labels(traffic)).toEqual(['{"echo":"ping"}', 'ping', 'plain words', '{"text":"hello from Studio"}']);
    await s.row(traffic, '{"echo":"ping"}').click();
    await s.column('value').locator('.mws-code', { hasText: '"echo": "ping"' }).waitFor();
  });

  it('shows pair requests and notifications sent to it, and answers them', async () => {
    studio = await openStudio(harness);
    const s = studio;
    const erin = await harness.peer('Erin');
    const studioPeer = erin.peer(s.socketId);
    const accepted = new Promise<void>((resolve) => studioPeer.on('accepted/pair', () => resolve()));
    await studioPeer.requestPair();

    await s.row(s.column('root'), 'Pairs').locator('.mws-item__badge', { hasText: '1 pending' }).waitFor();
    await s.row(s.column('root'), 'Pairs').click();
    const pairs = s.column('pairs');
    await pairs.locator('.mws-group', { hasText: 'Asking you' }).waitFor();
    await s.row(pairs, 'Erin').click();
    await s.column('peer').getByRole('button', { name: 'Accept' }).click();
    await accepted;
    await pairs.locator('.mws-group', { hasText: 'Paired' }).waitFor();

    const replied = new Promise<{ action: string }>((resolve) => erin.on('notification/reply', resolve));
    await studioPeer.notify({ title: 'Deploy finished', body: 'v1.2.3 is live', actions: [{ id: 'open', title: 'Open' }, { id: 'later', title: 'Later' }] });
    await s.row(s.column('root'), 'Notifications').locator('.mws-item__badge', { hasText: '1 new' }).waitFor();
    await s.row(s.column('root'), 'Notifications').click();
    await s.row(s.column('notifications'), 'Deploy finished').click();
    const notification = s.column('notification');
    await s.row(notification, 'v1.2.3 is live').waitFor();
    await notification.getByRole('button', { name: 'Open' }).click();
    expect((await replied).action).toBe('open');
    await s.row(notification, 'Open').locator('.mws-item__badge', { hasText: 'chosen' }).waitFor();
    await s.row(s.column('notifications'), 'Deploy finished').locator('.mws-item__badge', { hasText: 'open' }).waitFor();
    await s.page.screenshot({ path: join(SCREENSHOTS, 'notification-1280x800.png') });
  });

  it('lists pairs and pair requests made before it was created, from the server', async () => {
    studio = await openStudio(harness);
    const s = studio;
    const gina = await harness.peer('Gina');
    const hank = await harness.peer('Hank');
    await gina.peer(s.socketId).acceptPair(); // Gina trusts Studio's peer, unasked
    await hank.peer(s.socketId).requestPair(); // Hank asks
    await s.row(s.column('root'), 'Pairs').locator('.mws-item__badge', { hasText: '1 pending' }).waitFor();

    // A second Studio on the same client saw none of those events: it asks the server.
    await s.page.evaluate(() => {
      const { mwse, studio: first } = window as unknown as { mwse: unknown; studio: { unmount(): void; constructor: new (m: unknown, t: string) => { mount(): unknown } } };
      first.unmount();
      new first.constructor(mwse, '#app').mount();
    });
    await s.row(s.column('root'), 'Pairs').locator('.mws-item__badge', { hasText: '1 pending' }).waitFor();
    await s.row(s.column('root'), 'Pairs').click();
    const pairs = s.column('pairs');
    await s.row(pairs, 'Hank').waitFor();
    expect(await pairs.locator('.mws-group').allTextContents()).toEqual(['Asking you', 'Paired']);
    expect(await s.labels(pairs)).toEqual(['Hank', 'Gina']);
  });

  it('comes back after the connection drops: a new peer, its pairs forgotten, open columns redrawn', async () => {
    studio = await openStudio(harness);
    const s = studio;
    const ivy = await harness.peer('Ivy');
    await ivy.peer(s.socketId).acceptPair();
    const pairsBadge = s.row(s.column('root'), 'Pairs').locator('.mws-item__badge');
    await pairsBadge.filter({ hasText: /^1$/ }).waitFor();
    await s.row(s.column('root'), 'Pairs').click();
    await s.row(s.column('pairs'), 'Ivy').waitFor();

    // The server drops the connection (as a restart would); the page's client reconnects.
    const hub = harness.engine.hub;
    hub.disconnect(hub.peer(s.socketId)!, 1001, 'going away');
    const me = s.page.locator('.mws-titlebar__me');
    await expect.poll(() => me.getAttribute('data-socket-id'), { timeout: 15_000 }).not.toBe(s.socketId);
    await s.page.locator('.mws-titlebar__state[data-state="online"]').waitFor();

    // A reconnect is a new peer: Ivy trusted the old one.
    await pairsBadge.filter({ hasText: /^0$/ }).waitFor();
    expect(await s.labels(s.column('pairs'))).toEqual([]);
    // And Studio follows the new connection's events.
    const newId = (await me.getAttribute('data-socket-id'))!;
    await ivy.peer(newId).requestPair();
    await pairsBadge.filter({ hasText: '0 · 1 pending' }).waitFor();
    await s.row(s.column('pairs'), 'Ivy').waitFor();
    expect(s.errors).toEqual([]);
  });

  it('still works at 800×600: columns scroll sideways to keep the newest in view', async () => {
    const [alice] = await roomWith('small-room', 'Alice', 'Bob');
    await alice!.me.info.set('profile', { city: 'Izmir', langs: ['tr', 'en'] });
    studio = await openStudio(harness, { width: 800, height: 600 });
    const s = studio;
    const room = await browseRoom(s, 'small-room');
    await s.row(room, 'Alice').click();
    await s.row(s.column('peer'), 'profile').click();
    const value = s.column('value');
    await value.locator('.mws-code', { hasText: 'Izmir' }).waitFor();
    await s.row(value, 'langs').click();

    const strip = s.page.locator('.mws-columns');
    const { scrollWidth, clientWidth, scrollLeft } = await strip.evaluate((el) => ({ scrollWidth: el.scrollWidth, clientWidth: el.clientWidth, scrollLeft: el.scrollLeft }));
    expect(scrollWidth).toBeGreaterThan(clientWidth);
    expect(scrollLeft).toBeGreaterThan(0);
    const last = await s.page.locator('.mws-column').last().boundingBox();
    expect(last!.x + last!.width).toBeLessThanOrEqual(800 + 1);
    expect(await s.page.evaluate(() => document.documentElement.scrollWidth)).toBe(800);
    await s.page.screenshot({ path: join(SCREENSHOTS, 'deep-800x600.png') });
  });

  it('shows a joined room\'s traffic live, both ways', async () => {
    const [alice, bob] = await roomWith('design-review', 'Alice', 'Bob', 'Carol');
    await alice!.me.info.set('role', 'designer');
    await alice!.me.info.set('location', { city: 'Izmir', tz: 'Europe/Istanbul' });
    await roomWith('lobby-2', 'Dave', 'Erin', 'Frank', 'Grace');
    const guarded = await harness.peer('Heidi');
    await guarded.room({ name: 'standup', joinType: 'password', password: 'pw', description: 'daily, 9:30' }).createRoom();
    studio = await openStudio(harness);
    const s = studio;
    const seen: unknown[] = [];
    alice!.room('design-review').on('message', (pack, from) => {
      if (from.socketId === s.socketId) seen.push(pack);
    });
    const room = await browseRoom(s, 'design-review');
    await room.getByRole('button', { name: 'Join room' }).click();
    await room.locator('.mws-item', { hasText: 'you' }).waitFor();
    alice!.room('design-review').send({ text: 'Mockups are up' });
    bob!.room('design-review').send('LGTM');
    await s.row(room, 'Traffic').locator('.mws-item__badge', { hasText: '2' }).waitFor();

    const message = room.getByRole('textbox', { name: 'Message to the room' });
    await message.fill('{"text":"Shipping Friday"}');
    await message.press('Enter');
    expect(await until(() => seen[0])).toEqual({ text: 'Shipping Friday' });
    await s.row(room, 'Traffic').click();
    const traffic = s.column('traffic');
    await s.row(traffic, '{"text":"Shipping Friday"}').waitFor();
    expect(await s.labels(traffic)).toEqual(['{"text":"Shipping Friday"}', 'LGTM', '{"text":"Mockups are up"}']);
    await s.page.screenshot({ path: join(SCREENSHOTS, 'room-traffic-1280x800.png') });

    // The room's info: live for a member, and writable.
    await s.row(room, 'Info').click();
    const roomInfo = s.column('room-info');
    await roomInfo.locator('.mws-column__empty', { hasText: 'No info set' }).waitFor();
    await alice!.room('design-review').info.set('topic', 'Q3 mockups');
    await s.row(roomInfo, 'topic').locator('.mws-item__detail', { hasText: 'Q3 mockups' }).waitFor();
    await roomInfo.getByRole('textbox', { name: 'Key' }).fill('deadline');
    await roomInfo.getByRole('textbox', { name: 'Value' }).fill('2026-07-01');
    await roomInfo.getByRole('button', { name: 'Set' }).click();
    await s.row(roomInfo, 'deadline').waitFor();
    expect(await alice!.room('design-review').info.get('deadline')).toBe('2026-07-01');

    // Pair with Alice, then look at her: info, pair state, actions.
    alice!.on('request/pair', (peer) => void peer.acceptPair());
    await s.row(room, 'Alice').click();
    const peer = s.column('peer');
    await peer.getByRole('button', { name: 'Request pair' }).click();
    await s.row(peer, 'Pairing').locator('.mws-item__badge', { hasText: /^paired$/ }).waitFor();
    await peer.getByRole('textbox', { name: 'Message or request body' }).fill('{"text":"Looks great"}');
    await s.page.mouse.move(0, 0);
    await s.page.screenshot({ path: join(SCREENSHOTS, 'peer-1280x800.png') });
    await s.row(peer, 'location').click();
    await s.column('value').locator('.mws-code', { hasText: 'Izmir' }).waitFor();
    await s.page.screenshot({ path: join(SCREENSHOTS, 'value-1280x800.png') });
  });

  it('browses and edits me: info, virtual address, session flags', async () => {
    studio = await openStudio(harness);
    const s = studio;
    const node = await harness.peer('Ivan');
    const studioPeer = node.peer(s.socketId);
    await s.row(s.column('root'), 'Me').click();
    const me = s.column('me');

    await s.row(me, 'Info').click();
    const info = s.column('info');
    await info.locator('.mws-column__empty', { hasText: 'No info set' }).waitFor();
    await info.getByRole('textbox', { name: 'Key' }).fill('name');
    await info.getByRole('textbox', { name: 'Value' }).fill('Studio');
    await info.getByRole('button', { name: 'Set' }).click();
    await s.row(info, 'name').waitFor();
    await me.locator('.mws-column__title', { hasText: 'Studio' }).waitFor();
    await s.page.locator('.mws-titlebar__me', { hasText: 'Studio' }).waitFor();
    expect(await studioPeer.info.get('name')).toBe('Studio');
    await info.getByRole('textbox', { name: 'Key' }).fill('tags');
    await info.getByRole('textbox', { name: 'Value' }).fill('["a", "b"]');
    await info.getByRole('textbox', { name: 'Value' }).press('Enter');
    await s.row(info, 'tags').click();
    expect(await studioPeer.info.get('tags')).toEqual(['a', 'b']);
    await s.column('value').getByRole('button', { name: 'Remove “tags”' }).click();
    await s.row(info, 'tags').waitFor({ state: 'detached' });
    expect(await studioPeer.info.get('tags')).toBeUndefined();

    await s.row(me, 'Virtual address').click();
    const address = s.column('address');
    await address.getByRole('button', { name: 'Claim an address' }).click();
    await address.locator('.mws-group', { hasText: 'Mine' }).waitFor();
    const code = await address.locator('.mws-item', { hasText: 'short code' }).locator('.mws-item__label').textContent();
    expect((await node.resolveAddress(code!)).socketId).toBe(s.socketId);
    const nodeAddress = await node.claimAddress();
    await address.getByRole('textbox', { name: 'Address to resolve' }).fill(nodeAddress.number);
    await address.getByRole('button', { name: 'Resolve' }).click();
    await s.row(address, 'Ivan').waitFor();
    await s.page.screenshot({ path: join(SCREENSHOTS, 'me-1280x800.png') });

    await s.row(me, 'Session flags').click();
    const session = s.column('session');
    await s.row(session, 'readable').locator('.mws-item__badge', { hasText: 'on' }).waitFor();
    await session.locator('.mws-switch', { hasText: 'readable' }).click();
    await s.row(session, 'readable').locator('.mws-item__badge', { hasText: 'off' }).waitFor();
    await expect(studioPeer.info.get()).rejects.toMatchObject({ code: 'forbidden' });
    await s.row(session, 'readable').dblclick();
    await s.row(session, 'readable').locator('.mws-item__badge', { hasText: 'on' }).waitFor();
    expect(await studioPeer.info.get('name')).toBe('Studio');
    await s.row(me, 'Session flags').locator('.mws-item__detail', { hasText: 'defaults' }).waitFor();
    await s.page.screenshot({ path: join(SCREENSHOTS, 'session-1280x800.png') });
  });
});
