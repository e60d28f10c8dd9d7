import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { serve } from './serve.js';

/**
 * Socket.IO 4 doing the same relay, idiomatically: a direct message is an event emitted to the
 * target socket, a room message a broadcast to the room but the sender, a request an event with
 * an acknowledgement forwarded to the target (`emitWithAck`). WebSocket transport only (no
 * long-polling), no compression, as a tuned Socket.IO deployment would run.
 */
const http = createServer();
const io = new Server(http, { serveClient: false, transports: ['websocket'], perMessageDeflate: false });

io.on('connection', (socket) => {
  socket.on('pack/to', (to: string, pack: unknown) => {
    io.sockets.sockets.get(to)?.emit('pack', socket.id, pack);
  });
  socket.on('pack/room', (room: string, pack: unknown) => {
    if (socket.rooms.has(room)) socket.to(room).emit('room/pack', room, socket.id, pack);
  });
  socket.on('room/join', (room: string, ack?: () => void) => {
    void socket.join(room);
    ack?.();
  });
  socket.on('request/to', async (to: string, body: unknown, ack?: (answer: unknown) => void) => {
    const target = io.sockets.sockets.get(to);
    if (!target || !ack) return;
    try {
      ack(await target.timeout(10_000).emitWithAck('request', socket.id, body));
    } catch {
      ack(null);
    }
  });
});

http.listen(0, '127.0.0.1', () => {
  const address = http.address();
  serve(typeof address === 'object' && address ? address.port : 0, () => io.close());
});
