// The request lifecycle, transport-agnostic: bytes in, bytes (or nothing) out. Reads the
// query, turns malformed input into the rcode SPEC §3 gives, hands the rest to the resolver,
// and counts. A throw inside a link becomes SERVFAIL, one counted event, and never reaches
// the socket handler (STYLE rule 12).
import { MAX_MESSAGE, MIN_UDP_SIZE, OUR_UDP_SIZE, RCODE } from '../dns/constants';
import { errorResponse } from '../dns/encoded';
import { ParsedQuery, readQuery, ReadStatus } from '../dns/query';
import { Source, type Resolver } from '../resolve/resolver';
import type { QueryStats } from './stats';

/** The question of an answered query, as the query log reads it. */
export interface QueryNamed {
  readonly name: string;
  readonly qtype: number;
}

/** For answers to queries whose question could not be read. */
const NO_QUESTION: QueryNamed = { name: '', qtype: 0 };

export const PROTO_UDP = 0;
export const PROTO_TCP = 1;

export interface HandlerEvents {
  /** A link threw: our bug. Logged (rate-limited) and counted as coredns_panics_total. */
  panic(err: unknown): void;
  /** Per-query log line; a no-op unless query logging is on (chosen at start, STYLE rule 9). */
  /** `q.name` is read only by a logger that is on: building it costs a string per query. */
  query(proto: number, q: QueryNamed, rcode: number): void;
}

const noEvents: HandlerEvents = { panic() {}, query() {} };

export class QueryHandler {
  private readonly q = new ParsedQuery();
  panics = 0;

  constructor(
    private resolver: Resolver,
    private readonly stats: QueryStats,
    private events: HandlerEvents = noEvents,
    /** Largest UDP answer we send, whatever the client advertises (RFC 6891 §6.2.5). */
    private readonly maxUdp = OUR_UDP_SIZE,
  ) {}

  /**
   * Config reload (app.ts reconfigure): the next query walks the new chain; answers already
   * in flight finish on the old one. One assignment each, between two packets: no query sees
   * half of a configuration.
   */
  swap(resolver: Resolver, events: HandlerEvents): void {
    this.resolver = resolver;
    this.events = events;
  }

  /** @param family 0 = IPv4 client, 1 = IPv6. Returns null when the message is dropped. */
  handle(msg: Buffer, proto: number, family: number, started: number): Buffer | Promise<Buffer> | null {
    const q = this.q;
    const status = readQuery(msg, q);
    if (status === ReadStatus.DROP) return null;
    this.stats.request(proto, family, status === ReadStatus.OK ? q.qtype : 0, msg.length);
    if (status !== ReadStatus.OK) {
      const rcode = status === ReadStatus.NOTIMP ? RCODE.NOTIMP : RCODE.FORMERR;
      return this.done(proto, errorResponse(msg, q.id, q.flags, q.questionEnd, rcode, q.edns), rcode, Source.ERROR, started, NO_QUESTION);
    }
    if (q.edns && q.ednsVersion !== 0) {
      // RFC 6891 §6.1.3: an unknown EDNS version gets BADVERS, with our OPT.
      return this.done(proto, errorResponse(msg, q.id, q.flags, q.questionEnd, RCODE.BADVERS, true), RCODE.BADVERS, Source.ERROR, started, q);
    }
    const maxSize = proto === PROTO_TCP ? MAX_MESSAGE : q.edns ? Math.min(q.udpSize, this.maxUdp) : MIN_UDP_SIZE;
    let out: Buffer | Promise<Buffer>;
    try {
      out = this.resolver.resolve(msg, q, maxSize);
    } catch (err) {
      return this.fail(msg, proto, err, started);
    }
    if (!(out instanceof Promise)) return this.done(proto, out, out[3] & 0xf, this.resolver.source, started, q);
    const source = this.resolver.source;
    const s = { id: q.id, flags: q.flags, end: q.questionEnd, edns: q.edns, name: q.name, qtype: q.qtype };
    return out.then(
      (b) => this.done(proto, b, b[3] & 0xf, source, started, s),
      (err) => {
        this.panics++;
        this.events.panic(err);
        return this.done(proto, errorResponse(msg, s.id, s.flags, s.end, RCODE.SERVFAIL, s.edns), RCODE.SERVFAIL, Source.ERROR, started, s);
      },
    );
  }

  private fail(msg: Buffer, proto: number, err: unknown, started: number): Buffer {
    this.panics++;
    this.events.panic(err);
    const q = this.q;
    return this.done(proto, errorResponse(msg, q.id, q.flags, q.questionEnd, RCODE.SERVFAIL, q.edns), RCODE.SERVFAIL, Source.ERROR, started, q);
  }

  private done(proto: number, out: Buffer, rcode: number, source: number, started: number, q: QueryNamed): Buffer {
    this.stats.response(proto, q.qtype, rcode, source, out.length, (performance.now() - started) / 1000);
    this.events.query(proto, q, rcode);
    return out;
  }
}
