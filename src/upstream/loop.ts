// Forwarding-loop detection (SPEC §4; CoreDNS `loop` plugin). At start-up the forwarder sends
// a query for a random name under a TLD that does not exist through its normal path. A sane
// upstream answers NXDOMAIN. If an upstream forwards to this server, the query comes back to
// resolve(), which counts it; the second sighting proves the loop (the first may be an
// upstream retrying), and from then on the name is refused instead of amplified around the
// loop. resolve() pays one string compare for this against a name no client asks for.

import { randomBytes } from 'node:crypto';

export const LOOP_SUFFIX = 'clusterdns-loop';
/** HINFO, as CoreDNS's loop plugin: a type nothing caches or rewrites. */
export const LOOP_QTYPE = 13;
/** Comeback count that proves the loop. */
export const LOOP_SIGHTINGS = 2;
/** Never equal to a qname: names are dotted labels without NUL. */
export const NO_LOOP_NAME = '\u0000';

export function loopProbeName(): string {
  return `${randomBytes(8).toString('hex')}.${LOOP_SUFFIX}`;
}

export function loopMessage(name: string, upstreams: string[]): string {
  return (
    `upstream: forwarding loop detected: the probe ${name}. HINFO sent to ${upstreams.join(', ')} ` +
    `came back to this server ${LOOP_SIGHTINGS} times. An upstream forwards to clusterdns ` +
    `(often /etc/resolv.conf of the node points at 127.0.0.x or at the cluster DNS IP): ` +
    `set --upstream to a real resolver`
  );
}
