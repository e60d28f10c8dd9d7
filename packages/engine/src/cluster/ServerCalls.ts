import type { RoomSummary } from '@mwse/protocol';
import type { Hub } from '../Hub.js';
import { Peer } from '../Peer.js';
import { InfoPool } from '../services/InfoPool.js';
import type { Link } from '../session/Link.js';

/** The server's own socket-less peer: the subject of the calls the control plane makes. */
const NO_LINK = { open: false, peer: undefined, close() {} } as unknown as Link;

const servers = new WeakMap<Hub, Peer>();

/**
 * The peer the control plane speaks as when it asks another node something (`GET /api/rooms`,
 * `POST /api/client/:id/send`, `engine.sendFromServerAnywhere`): an id of this node's tag that
 * no socket has, so the asked node can stand a ghost for it (dropped once the call is done).
 * Made once per node, with the remote half the sends need.
 */
function serverOf(hub: Hub): Peer {
  let server = servers.get(hub);
  if (server) return server;
  const cluster = hub.cluster!;
  server = new Peer(cluster.mintId(), NO_LINK, '', new InfoPool(0, 0), undefined, false);
  servers.set(hub, server);
  cluster.handle('server/send', (_server, { id, pack }: { id: string; pack: unknown }) => {
    const peer = hub.peer(id);
    if (!peer) return false;
    hub.send(peer, { type: 'pack', from: 'server', pack });
    return true;
  });
  return server;
}

/** Make sure this node answers the other nodes' control-plane calls (call once it is up). */
export function serveControlPlane(hub: Hub): void {
  if (hub.cluster) serverOf(hub);
}

/**
 * Deliver `pack` from `server` to socket `id` on whichever node holds it: false when no node
 * does (or its node did not answer).
 */
export async function sendFromServerAnywhere(hub: Hub, id: string, pack: unknown): Promise<boolean> {
  const peer = hub.peer(id);
  if (peer) {
    hub.send(peer, { type: 'pack', from: 'server', pack });
    return true;
  }
  const node = hub.cluster?.nodeOf(id);
  if (node === undefined) return false;
  try {
    return await hub.cluster!.call<boolean>(node, 'server/send', serverOf(hub), { id, pack });
  } catch {
    return false;
  }
}

/** Public rooms of every live node (`GET /api/rooms`); a node that does not answer is left out. */
export async function roomsEverywhere(hub: Hub): Promise<RoomSummary[]> {
  const cluster = hub.cluster;
  if (!cluster) return hub.publicRooms();
  const server = serverOf(hub);
  const lists = await Promise.allSettled(
    cluster.nodes.map((node) => (node === cluster.nodeId ? hub.publicRooms() : cluster.call<RoomSummary[]>(node, 'room/list', server, null))),
  );
  return lists.flatMap((list) => (list.status === 'fulfilled' ? list.value : []));
}
