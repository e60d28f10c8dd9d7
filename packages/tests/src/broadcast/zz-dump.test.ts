import { it } from 'vitest';
import { startJanus } from '@mwse/testkit/janus';
import { PAGE_HELPERS, startMediaEnv } from './mediaEnv.js';
it('dump', async () => {
  const janus = await startJanus();
  const env = await startMediaEnv({ MWSE_MEDIA: 'janus', MWSE_MEDIA_URL: janus.url });
  const p = (await env.tab()).page; await p.evaluate(PAGE_HELPERS); await p.evaluate('connect()'); await p.evaluate(`enter('r', true)`); await p.evaluate(`publish('main')`);
  const v = (await env.tab()).page; await v.evaluate(PAGE_HELPERS); await v.evaluate('connect()'); await v.evaluate(`enter('r', false)`);
  await v.evaluate(`watchIt('main')`);
  await new Promise(r => setTimeout(r, 5000));
  console.log('PUB', await p.evaluate(async () => { const w = window as any; const out: any[] = [w.live.pc.connectionState]; (await w.live.pc.getStats()).forEach((s: any) => { if (s.type === 'outbound-rtp') out.push([s.kind, s.packetsSent, s.framesEncoded, s.pliCount]); }); return out; }));
  console.log('VIEW', await v.evaluate(async () => { const w = window as any; const out: any[] = [w.watching.pc.connectionState, w.watching.stream.getTracks().length]; (await w.watching.pc.getStats()).forEach((s: any) => { if (s.type === 'inbound-rtp') out.push([s.kind, s.packetsReceived, s.framesDecoded, s.pliCount]); }); return out; }));
  console.log(janus.output().slice(-3000));
  await env.close(); await janus.stop();
}, 60000);
