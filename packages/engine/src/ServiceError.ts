import type { ErrorCode } from '@mwse/protocol';

/**
 * Thrown by a service to refuse a frame. The hub turns it into an `error` frame carrying the
 * frame's correlation id; anything else thrown becomes `internal`.
 */
export class ServiceError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}
