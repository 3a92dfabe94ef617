// Shared by the upstream tests: queries built with dns-packet, a recording observer, and a
// forwarder factory that registers its cleanup.

import * as dnsPacket from 'dns-packet';
import { Forwarder, type ForwarderObserver, type ForwarderOptions } from '../../src/upstream/forwarder';
import { FakeUpstream, type FakeUpstreamOptions } from '../support/fake-upstream';

export function query(name: string, type: dnsPacket.RecordType = 'A', id = 0x1234): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type, class: 'IN' }],
  });
}

export interface Event {
  kind: 'request' | 'failure' | 'healthcheckFailure' | 'healthy' | 'maxConcurrentRejected' | 'healthcheckBroken';
  upstream?: string;
  proto?: string;
  rcode?: number;
  reason?: string;
  up?: boolean;
}

export class Recorder implements ForwarderObserver {
  readonly events: Event[] = [];
  request(upstream: string, proto: 'udp' | 'tcp', rcode: number): void {
    this.events.push({ kind: 'request', upstream, proto, rcode });
  }
  failure(upstream: string, reason: string): void {
    this.events.push({ kind: 'failure', upstream, reason });
  }
  healthcheckFailure(upstream: string): void {
    this.events.push({ kind: 'healthcheckFailure', upstream });
  }
  healthy(upstream: string, up: boolean): void {
    this.events.push({ kind: 'healthy', upstream, up });
  }
  maxConcurrentRejected(): void {
    this.events.push({ kind: 'maxConcurrentRejected' });
  }
  healthcheckBroken(): void {
    this.events.push({ kind: 'healthcheckBroken' });
  }
  count(kind: Event['kind'], match: Partial<Event> = {}): number {
    return this.events.filter((e) => e.kind === kind && Object.entries(match).every(([k, v]) => (e as unknown as Record<string, unknown>)[k] === v)).length;
  }
}

/** Everything started by a test, closed in afterEach of the file that calls `useCleanup()`. */
const toClose: Array<{ close(): Promise<void> }> = [];

export function useCleanup(): void {
  afterEach(async () => {
    while (toClose.length > 0) await toClose.pop()!.close();
  });
}

export async function fake(o: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const f = await FakeUpstream.start(o);
  toClose.push(f);
  return f;
}

export function forwarder(o: Partial<ForwarderOptions> & Pick<ForwarderOptions, 'upstream'>): Forwarder {
  const fw = new Forwarder({
    stubDomains: [],
    policy: 'sequential',
    timeoutMs: 300,
    maxConcurrent: 100,
    ...o,
  });
  toClose.push(fw);
  return fw;
}

export function decode(b: Buffer): dnsPacket.DecodedPacket {
  return dnsPacket.decode(b);
}

/** dns-packet decodes the rcode but its types omit it. */
export function rcode(b: Buffer): string {
  return (dnsPacket.decode(b) as unknown as { rcode: string }).rcode;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Reject with the error's code, or fail if it resolved. */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code ?? `no code: ${String(e)}`;
  }
  throw new Error('expected a rejection, got an answer');
}

export async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(5);
  }
}
