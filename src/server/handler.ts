// The request lifecycle, transport-agnostic: bytes in, bytes (or nothing) out. Reads the
// query, turns malformed input into the rcode SPEC §3 gives, hands the rest to the resolver,
// and counts. A throw inside a link becomes SERVFAIL, one counted event, and never reaches
// the socket handler (STYLE rule 12).
import { MAX_MESSAGE, MIN_UDP_SIZE, OUR_UDP_SIZE, RCODE } from '../dns/constants';
import { buildResponse, errorResponse, REFUSED } from '../dns/encoded';
import { ParsedQuery, readQuery, ReadStatus } from '../dns/query';
import { Source, type Resolver } from '../resolve/resolver';
import type { Route } from '../resolve/router';
import type { Peer } from '../resolve/answer-links';
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

export const noEvents: HandlerEvents = { panic() {}, query() {} };

/** What the handler needs of one server block: its chain, its counters, its log events. */
export interface Served {
  readonly chain: Resolver;
  readonly stats: QueryStats;
  readonly events: HandlerEvents;
}

/** The blocks of one listen address (resolve/router.ts). */
export interface Routing {
  route: Route<Served>;
  /** Counts what no block can claim: unreadable queries and names outside every zone. */
  fallback: Served;
}

export class QueryHandler {
  private readonly q = new ParsedQuery();
  panics = 0;
  /** The chain of the last query that reached one (server/threads.ts asks it what it may reuse). */
  lastChain: Resolver | null = null;
  private route: Route<Served>;
  private fallback: Served;

  constructor(
    routing: Routing,
    /** Largest UDP answer we send, whatever the client advertises (RFC 6891 §6.2.5). */
    private readonly maxUdp = OUR_UDP_SIZE,
  ) {
    this.route = routing.route;
    this.fallback = routing.fallback;
  }

  /**
   * Config reload (app.ts reconfigure): the next query walks the new blocks; answers already
   * in flight finish on the old ones. Two assignments between two packets: no query sees half
   * of a configuration.
   */
  swap(routing: Routing): void {
    this.route = routing.route;
    this.fallback = routing.fallback;
  }

  /** @param family 0 = IPv4 client, 1 = IPv6. Returns null when the message is dropped. */
  /**
   * @param peer the client (a dgram rinfo or the TCP socket), read only by a link that asks
   *   (whoami, a template reading .Remote): nothing is copied per query.
   */
  handle(msg: Buffer, proto: number, family: number, started: number, peer?: Peer): Buffer | Promise<Buffer> | null {
    const q = this.q;
    const status = readQuery(msg, q);
    if (status === ReadStatus.DROP) return null;
    if (status !== ReadStatus.OK) {
      const f = this.fallback;
      f.stats.request(proto, family, 0, msg.length);
      const rcode = status === ReadStatus.NOTIMP ? RCODE.NOTIMP : RCODE.FORMERR;
      return this.done(f, proto, errorResponse(msg, q.id, q.flags, q.questionEnd, rcode, q.edns), rcode, Source.ERROR, started, NO_QUESTION);
    }
    const b = this.route(q);
    if (b === null) {
      // No block's zone holds the name (SPEC §8): REFUSED, as CoreDNS answers.
      const f = this.fallback;
      f.stats.request(proto, family, q.qtype, msg.length);
      const maxSize = proto === PROTO_TCP ? MAX_MESSAGE : q.edns ? Math.min(q.udpSize, this.maxUdp) : MIN_UDP_SIZE;
      return this.done(f, proto, buildResponse(msg, q, REFUSED, maxSize), RCODE.REFUSED, Source.ERROR, started, q);
    }
    b.stats.request(proto, family, q.qtype, msg.length);
    if (q.edns && q.ednsVersion !== 0) {
      // RFC 6891 §6.1.3: an unknown EDNS version gets BADVERS, with our OPT.
      return this.done(b, proto, errorResponse(msg, q.id, q.flags, q.questionEnd, RCODE.BADVERS, true), RCODE.BADVERS, Source.ERROR, started, q);
    }
    const maxSize = proto === PROTO_TCP ? MAX_MESSAGE : q.edns ? Math.min(q.udpSize, this.maxUdp) : MIN_UDP_SIZE;
    const chain = b.chain;
    this.lastChain = chain;
    let out: Buffer | Promise<Buffer>;
    try {
      out = chain.resolve(msg, q, maxSize, peer);
    } catch (err) {
      return this.fail(b, msg, proto, err, started);
    }
    if (!(out instanceof Promise)) return this.done(b, proto, out, out[3] & 0xf, chain.source, started, q);
    const source = chain.source;
    const s = { id: q.id, flags: q.flags, end: q.questionEnd, edns: q.edns, name: q.name, qtype: q.qtype };
    return out.then(
      (r) => this.done(b, proto, r, r[3] & 0xf, source, started, s),
      (err) => {
        this.panics++;
        b.events.panic(err);
        return this.done(b, proto, errorResponse(msg, s.id, s.flags, s.end, RCODE.SERVFAIL, s.edns), RCODE.SERVFAIL, Source.ERROR, started, s);
      },
    );
  }

  private fail(b: Served, msg: Buffer, proto: number, err: unknown, started: number): Buffer {
    this.panics++;
    b.events.panic(err);
    const q = this.q;
    return this.done(b, proto, errorResponse(msg, q.id, q.flags, q.questionEnd, RCODE.SERVFAIL, q.edns), RCODE.SERVFAIL, Source.ERROR, started, q);
  }

  private done(b: Served, proto: number, out: Buffer, rcode: number, source: number, started: number, q: QueryNamed): Buffer {
    b.stats.response(proto, q.qtype, rcode, source, out.length, (performance.now() - started) / 1000);
    b.events.query(proto, q, rcode);
    return out;
  }
}
