import { createEngine, StubBackend } from '@mwse/engine';
import { serve } from './serve.js';

/**
 * The MWSE engine with the stub media backend (broadcast signalling, no media), for the
 * broadcast audience storm; limits lifted as in mwseEngine.ts.
 */
const engine = await createEngine({
  host: '127.0.0.1',
  port: 0,
  transport: process.argv[2] === 'ws' ? 'ws' : 'uws',
  outboundBuffer: 8192,
  maxConnectionsPerAddress: 1_000_000,
  rateLimit: 0,
  media: { backend: new StubBackend(), timeout: 10_000 },
});
serve(engine.port, () => engine.close());
