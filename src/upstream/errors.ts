// Errors raised by the forwarding stage. Every one carries a stable code (STYLE rule 11) so
// callers branch on `.code`, never on the message; resolve/ maps them to rcodes:
//   ALL_FAILED -> SERVFAIL (SPEC §4 "SERVFAIL when every attempt fails")
//   OVERLOADED -> REFUSED  (SPEC §4 "a cap on concurrent upstream queries (excess: REFUSED)")
//   LOOP       -> SERVFAIL, and the process reports the loop (SPEC §4 "Loop detection")
//   NOT_FORWARDED -> the name is outside `from` or under `except` (Corefile forward): the
//                 chain should have passed it on (Forwarder.matches); SERVFAIL as CoreDNS's
//                 NextOrFailure gives when nothing follows

export const UPSTREAM_ERROR_CODES = [
  'CDNS_UPSTREAM_ALL_FAILED',
  'CDNS_UPSTREAM_OVERLOADED',
  'CDNS_UPSTREAM_LOOP',
  'CDNS_UPSTREAM_CLOSED',
  'CDNS_UPSTREAM_BAD_QUERY',
  'CDNS_UPSTREAM_OPTION',
  'CDNS_UPSTREAM_RESOLVCONF',
  'CDNS_UPSTREAM_NOT_FORWARDED',
] as const;

export type UpstreamErrorCode = (typeof UPSTREAM_ERROR_CODES)[number];

export class UpstreamError extends Error {
  readonly code: UpstreamErrorCode;

  constructor(code: UpstreamErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'UpstreamError';
    this.code = code;
  }
}

/**
 * Errors returned at a high rate (overload, shutdown) are built once: a rejection then costs
 * no stack capture, which matters exactly when the process is already short of CPU.
 */
export function sharedError(code: UpstreamErrorCode, message: string): UpstreamError {
  const e = new UpstreamError(code, message);
  e.stack = e.message;
  return e;
}
