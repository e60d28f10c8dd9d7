import { ENGINE_DEFAULTS } from '@mwse/engine';
import { ConfigError } from './ConfigError.js';
import {
  parseDuration,
  parseFlag,
  parseHeaderName,
  parseHttpUrl,
  parseInteger,
  parseList,
  parseSecret,
} from './parseValues.js';
import type { ReadVariable } from './readVariable.js';

/** The third-party app server's bridge (docs/bridge.md). */
export interface BridgeConfig {
  /** Every handshake is POSTed here for approval, fail-closed (`BRIDGE_APPROVE_URL`). */
  approveUrl?: string;
  /** Milliseconds to wait for an approval (`BRIDGE_APPROVE_TIMEOUT`). */
  approveTimeout: number;
  /** Handshake headers forwarded to the approver (`BRIDGE_APPROVE_HEADERS`). */
  approveHeaders: string[];
  /** Approvals in flight at once; more handshakes are refused (`BRIDGE_MAX_PENDING_APPROVALS`). */
  maxPendingApprovals: number;
  /** Notification replies are POSTed here, signed (`BRIDGE_TRIGGER_URL`). */
  triggerUrl?: string;
  /** Signs webhooks and approval requests with HMAC-SHA256 (`MWSE_BRIDGE_SECRET`). */
  bridgeSecret?: string;
  /** Attempts per webhook before it is given up (`BRIDGE_TRIGGER_MAX_ATTEMPTS`). */
  triggerMaxAttempts: number;
  /** First retry delay in ms, doubled each time (`BRIDGE_TRIGGER_RETRY_DELAY`). */
  triggerRetryDelay: number;
  /** Milliseconds one webhook attempt may take (`BRIDGE_TRIGGER_TIMEOUT`). */
  triggerTimeout: number;
  /** Webhooks waiting or retrying at once; more are dropped and counted (`BRIDGE_TRIGGER_MAX_IN_FLIGHT`). */
  triggerMaxInFlight: number;
  /** Queue bridge events for `POST /api/bridge/inbox` (`BRIDGE_INBOX`). */
  inbox: boolean;
  /** Events the inbox keeps; the oldest go first (`BRIDGE_INBOX_SIZE`). */
  inboxSize: number;
}

const D = ENGINE_DEFAULTS;
const count = (min: number) => (text: string) => parseInteger(text, min, Number.MAX_SAFE_INTEGER);

/** Read {@link BridgeConfig}; throws a `ConfigError` naming the first bad variable. */
export function readBridge(read: ReadVariable): BridgeConfig {
  const triggerUrl = read<string | undefined>('BRIDGE_TRIGGER_URL', undefined, parseHttpUrl);
  const bridgeSecret = read<string | undefined>('MWSE_BRIDGE_SECRET', undefined, parseSecret);
  // An unsigned webhook lets anyone who finds the URL forge replies: refuse to send them.
  if (triggerUrl && !bridgeSecret) {
    throw new ConfigError('MWSE_BRIDGE_SECRET', 'is required when BRIDGE_TRIGGER_URL is set (webhooks are signed with it)');
  }
  return {
    approveUrl: read<string | undefined>('BRIDGE_APPROVE_URL', undefined, parseHttpUrl),
    approveTimeout: read('BRIDGE_APPROVE_TIMEOUT', D.approveTimeout, (t) => parseDuration(t, { min: 1 })),
    approveHeaders: read('BRIDGE_APPROVE_HEADERS', [...D.approveHeaders], (t) => parseList(t, parseHeaderName)),
    maxPendingApprovals: read('BRIDGE_MAX_PENDING_APPROVALS', D.maxPendingApprovals, count(1)),
    triggerUrl,
    bridgeSecret,
    triggerMaxAttempts: read('BRIDGE_TRIGGER_MAX_ATTEMPTS', D.triggerMaxAttempts, count(1)),
    triggerRetryDelay: read('BRIDGE_TRIGGER_RETRY_DELAY', D.triggerRetryDelay, (t) => parseDuration(t, { min: 1 })),
    triggerTimeout: read('BRIDGE_TRIGGER_TIMEOUT', D.triggerTimeout, (t) => parseDuration(t, { min: 1 })),
    triggerMaxInFlight: read('BRIDGE_TRIGGER_MAX_IN_FLIGHT', D.triggerMaxInFlight, count(1)),
    inbox: read('BRIDGE_INBOX', D.inbox, parseFlag),
    inboxSize: read('BRIDGE_INBOX_SIZE', D.inboxSize, count(1)),
  };
}
