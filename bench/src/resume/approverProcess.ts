import { createServer } from 'node:http';

/**
 * The app server's side of the bridge approval (docs/bridge.md) for the resume storm, in a
 * process of its own (forked by resumeStorm.ts with `bridge`): every handshake is approved,
 * with no identity, after `delayMs` (an app server's own lookup). It counts what it answered.
 */
export type ToApprover = { op: 'start'; delayMs: number } | { op: 'count' } | { op: 'stop' };
export type FromApprover = { op: 'started'; port: number } | { op: 'count'; approved: number };

let approved = 0;
const send = (message: FromApprover) => process.send!(message);

process.on('message', (message: ToApprover) => {
  switch (message.op) {
    case 'start': {
      const server = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          setTimeout(() => {
            approved += 1;
            res.writeHead(200, { 'content-type': 'application/json' }).end('{"allow":true}');
          }, message.delayMs);
        });
      });
      server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
        const address = server.address();
        send({ op: 'started', port: typeof address === 'object' && address ? address.port : 0 });
      });
      break;
    }
    case 'count':
      send({ op: 'count', approved });
      break;
    case 'stop':
      process.exit(0);
  }
});
