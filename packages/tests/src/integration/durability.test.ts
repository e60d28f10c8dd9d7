import { describe, it } from 'vitest';
import { killAndRestart } from './durabilityScenario.js';
import { TRANSPORTS } from './harness.js';

describe.each(TRANSPORTS)('durable state across kill -9 of mwse-server (SQLite) over %s', (transport) => {
  it('delivers every stored notification once, keeps keys and finishes pending webhooks with one event id each', () => killAndRestart(transport, {}), 60_000);
});
