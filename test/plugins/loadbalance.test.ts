// loadbalance (dns/encoded.ts rotationRuns + buildResponse's `shuffle`): the A/AAAA records of a
// pre-encoded NOERROR answer are rotated per response in the output buffer, CNAMEs first and
// SRV untouched, and truncation, TTL ageing and name compression stay right. Driven through
// buildResponse directly; through the real server: loadbalance-server.test.ts.
import * as dnsPacket from 'dns-packet';
import { RCODE } from '../../src/dns/constants';
import { buildResponse, encodeAnswer, rotationRuns, type QueryShape } from '../../src/dns/encoded';
import type { AnswerSet, Record as RR } from '../../src/dns/records';
import { answerFromWire } from '../../src/resolve/from-wire';

const HEADLESS = 'web.default.svc.cluster.local';

function query(name: string, type: dnsPacket.RecordType = 'A', edns = 0): { msg: Buffer; shape: QueryShape } {
  const msg = dnsPacket.encode({
    type: 'query',
    id: 7,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type, class: 'IN' }],
    additionals: edns ? [{ type: 'OPT', name: '.', udpPayloadSize: edns, flags: 0 } as dnsPacket.Answer] : [],
  });
  return { msg, shape: { questionEnd: 12 + name.length + 2 + 4, edns: edns > 0, opcode: 0, flags: msg.readUInt16BE(2) } };
}
const set = (answers: RR[], additional: RR[] = [], rcode: number = RCODE.NOERROR): AnswerSet => ({ rcode, authoritative: true, answers, authority: [], additional });
const a = (name: string, ip: string, ttl = 30): RR => ({ name, type: 'A', ttl, data: ip });
const ten = Array.from({ length: 10 }, (_, i) => a(HEADLESS, `10.244.${i + 1}.10`));
const decode = (b: Buffer) => dnsPacket.decode(b);
type Rec = { name: string; type: string; ttl?: number; data?: unknown };
const datas = (rs: dnsPacket.Answer[] | undefined) => (rs ?? []).map((r) => String((r as Rec).data));

test('a 10-endpoint headless name answered 20 times gives at least 5 different first addresses, each a rotation of the set', () => {
  const enc = encodeAnswer(HEADLESS, set(ten));
  const { msg, shape } = query(HEADLESS);
  const firsts = new Set<string>();
  const original = datas(ten as dnsPacket.Answer[]);
  for (let i = 0; i < 20; i++) {
    const got = datas(decode(buildResponse(msg, shape, enc, 512, 0, true)).answers);
    expect([...got].sort()).toEqual([...original].sort());
    const k = original.indexOf(got[0]);
    expect(got).toEqual([...original.slice(k), ...original.slice(0, k)]);
    firsts.add(got[0]);
  }
  expect(firsts.size).toBeGreaterThanOrEqual(5);
});

test('without shuffle the bytes are those of the answer as encoded', () => {
  const enc = encodeAnswer(HEADLESS, set(ten));
  const { msg, shape } = query(HEADLESS);
  const a1 = buildResponse(msg, shape, enc, 512);
  for (let i = 0; i < 5; i++) expect(buildResponse(msg, shape, enc, 512, 0, false).equals(a1)).toBe(true);
});

test('CNAME stays first, its target addresses rotate; SRV order and its additional targets stay', () => {
  const alias = 'alias.example.org';
  const enc = encodeAnswer(alias, set([{ name: alias, type: 'CNAME', ttl: 30, data: HEADLESS }, ...ten]));
  const { msg, shape } = query(alias);
  const firsts = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const r = decode(buildResponse(msg, shape, enc, 1232, 0, true));
    expect(r.answers![0].type).toBe('CNAME');
    expect(r.answers!.slice(1).every((x) => x.type === 'A' && x.name === HEADLESS)).toBe(true);
    firsts.add(datas(r.answers!.slice(1, 2))[0]);
  }
  expect(firsts.size).toBeGreaterThanOrEqual(5);

  const srvName = '_http._tcp.web.default.svc.cluster.local';
  const srv = Array.from({ length: 6 }, (_, i): RR => ({ name: srvName, type: 'SRV', ttl: 30, data: { priority: 0, weight: 16, port: 80, target: `pod-${i}.web.default.svc.cluster.local` } }));
  const glue = srv.map((s, i) => a((s.data as { target: string }).target, `10.244.${i}.1`));
  const e2 = encodeAnswer(srvName, set(srv, glue));
  expect(rotationRuns(e2)).toBeNull(); // one address per owner: nothing to rotate
  const q2 = query(srvName, 'SRV');
  const first = buildResponse(q2.msg, q2.shape, e2, 1232, 0, true);
  for (let i = 0; i < 10; i++) expect(buildResponse(q2.msg, q2.shape, e2, 1232, 0, true).equals(first)).toBe(true);
  expect(decode(first).answers!.map((x) => ((x as Rec).data as { target: string }).target)).toEqual(srv.map((s) => (s.data as { target: string }).target));
});

test('additional A records of one owner rotate too; A and AAAA runs rotate apart', () => {
  const host = 'ns.example.org';
  const v6 = Array.from({ length: 4 }, (_, i): RR => ({ name: HEADLESS, type: 'AAAA', ttl: 30, data: `fd00::${i + 1}` }));
  const extra = Array.from({ length: 4 }, (_, i) => a(host, `192.0.2.${i + 1}`));
  const enc = encodeAnswer(HEADLESS, set([...ten.slice(0, 4), ...v6], extra));
  const runs = rotationRuns(enc)!;
  expect(runs.map((r) => r.count)).toEqual([4, 4, 3]); // the first extra A carries the owner's labels
  const { msg, shape } = query(HEADLESS, 'A', 1232);
  const seen = { a: new Set<string>(), v6: new Set<string>(), extra: new Set<string>() };
  for (let i = 0; i < 30; i++) {
    const r = decode(buildResponse(msg, shape, enc, 1232, 0, true));
    expect(r.answers!.map((x) => x.type)).toEqual(['A', 'A', 'A', 'A', 'AAAA', 'AAAA', 'AAAA', 'AAAA']);
    seen.a.add(datas(r.answers!.slice(0, 1))[0]);
    seen.v6.add(datas(r.answers!.slice(4, 5))[0]);
    const add = r.additionals!.filter((x) => x.type === 'A');
    expect(add.map((x) => x.name)).toEqual([host, host, host, host]);
    expect(datas(add).sort()).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4']);
    seen.extra.add(datas(add.slice(1, 2))[0]);
  }
  expect(seen.a.size).toBeGreaterThanOrEqual(3);
  expect(seen.v6.size).toBeGreaterThanOrEqual(3);
  expect(seen.extra.size).toBeGreaterThanOrEqual(2);
});

test('truncation still cuts at record boundaries, and TTL ageing still hits every TTL', () => {
  const many = Array.from({ length: 40 }, (_, i) => a(HEADLESS, `10.250.0.${i + 1}`, 100));
  const enc = encodeAnswer(HEADLESS, set(many));
  const { msg, shape } = query(HEADLESS);
  const all = new Set(datas(many as dnsPacket.Answer[]));
  const firsts = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const out = buildResponse(msg, shape, enc, 512, 7, true);
    expect(out.length).toBeLessThanOrEqual(512);
    const r = decode(out);
    expect(r.flags! & 0x0200).toBe(0x0200); // TC
    expect(r.answers!.length).toBe(Math.floor((512 - shape.questionEnd) / 16));
    for (const x of r.answers! as Rec[]) {
      expect(all.has(String(x.data))).toBe(true);
      expect(x.ttl).toBe(93);
      expect(x.name).toBe(HEADLESS);
    }
    firsts.add(datas(r.answers)[0]);
  }
  expect(firsts.size).toBeGreaterThanOrEqual(5);
});

test('NXDOMAIN and NODATA are left alone', () => {
  const soa: RR = { name: 'cluster.local', type: 'SOA', ttl: 5, data: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 5 } };
  const enc = encodeAnswer(HEADLESS, { rcode: RCODE.NXDOMAIN, authoritative: true, answers: [], authority: [soa], additional: [] });
  const { msg, shape } = query(HEADLESS);
  expect(buildResponse(msg, shape, enc, 512, 0, true).equals(buildResponse(msg, shape, enc, 512))).toBe(true);
});

test('forwarded answers (answerFromWire) are rotated as well, their runs found on first use', () => {
  const { msg, shape } = query('www.example.org');
  const upstream = dnsPacket.encode({
    type: 'response',
    id: 7,
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
    questions: [{ name: 'www.example.org', type: 'A', class: 'IN' }],
    answers: [
      { name: 'www.example.org', type: 'CNAME', ttl: 60, data: 'edge.example.net' },
      ...Array.from({ length: 8 }, (_, i) => ({ name: 'edge.example.net', type: 'A' as const, ttl: 60, data: `198.51.100.${i + 1}` })),
    ],
  });
  const w2 = answerFromWire(upstream, shape.questionEnd, 0, 3600)!;
  expect(w2.answer.lbRuns).toBeUndefined();
  const firsts = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const r = decode(buildResponse(msg, shape, w2.answer, 1232, 0, true));
    expect(r.answers![0].type).toBe('CNAME');
    firsts.add(datas(r.answers)[1]);
  }
  expect(w2.answer.lbRuns).not.toBeUndefined();
  expect(firsts.size).toBeGreaterThanOrEqual(4);
});
