import type { MWSE } from '@mwse/client';
import type { MeState } from './state/MeState.js';
import type { NotificationCenter } from './state/NotificationCenter.js';
import type { PairBook } from './state/PairBook.js';
import type { PeerDirectory } from './state/PeerDirectory.js';
import type { RoomDirectory } from './state/RoomDirectory.js';
import type { TrafficLog } from './state/TrafficLog.js';

/** What every view works with: the client it was given and the stores shared by all columns. */
export interface StudioContext {
  readonly mwse: MWSE;
  readonly me: MeState;
  readonly peers: PeerDirectory;
  readonly pairs: PairBook;
  readonly rooms: RoomDirectory;
  readonly traffic: TrafficLog;
  readonly inbox: NotificationCenter;
  /** Milliseconds between polls of what the server does not push. */
  readonly pollInterval: number;
}
