// The forwarder's wire helpers and its deadline list (table tests, no sockets).

import * as dnsPacket from 'dns-packet';
import { DeadlineList, type DeadlineNode } from '../../src/upstream/deadlines';
import { buildQuery, questionEnd, sameQuestion } from '../../src/upstream/wire';
import { buildRouter } from '../../src/upstream/stub-domains';
import { ServerSet } from '../../src/upstream/upstream';

function q(name: string, type: dnsPacket.RecordType = 'A', cls: dnsPacket.RecordClass = 'IN'): Buffer {
  return dnsPacket.encode({ type: 'query', id: 1, questions: [{ name, type, class: cls }] });
}

describe('questionEnd', () => {
  test.each([
    ['www.example.org', 12 + 17 + 4],
    ['.', 12 + 1 + 4],
  ])('%s', (name, end) => {
    const b = q(name);
    expect(questionEnd(b, b.length)).toBe(end);
  });

  test('rejects what cannot be checked against a reply', () => {
    const b = q('a.example');
    expect(questionEnd(b, 11)).toBe(-1); // short
    expect(questionEnd(b, b.length - 1)).toBe(-1); // cut in QCLASS
    const two = Buffer.from(b);
    two.writeUInt16BE(2, 4);
    expect(questionEnd(two, two.length)).toBe(-1); // QDCOUNT 2
    const ptr = Buffer.from(b);
    ptr[12] = 0xc0; // compression pointer as first label
    expect(questionEnd(ptr, ptr.length)).toBe(-1);
    const withOpt = dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: 'a.example', type: 'A' }], additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232 } as dnsPacket.Answer] });
    expect(questionEnd(withOpt, withOpt.length)).toBe(12 + 11 + 4);
  });
});

describe('sameQuestion', () => {
  const sent = q('Www.Example.org');
  const end = questionEnd(sent, sent.length);
  test.each([
    ['same name other case', q('wWW.eXAMPLE.ORG'), true],
    ['other name', q('www.example.com'), false],
    ['other type', q('Www.Example.org', 'AAAA'), false],
    ['other class', q('Www.Example.org', 'A', 'CH'), false],
    ['longer name', q('www.Example.org.x'), false],
    ['no question', dnsPacket.encode({ type: 'response', id: 1, questions: [] }), false],
  ])('%s', (_what, reply, ok) => {
    expect(sameQuestion(reply, sent, end)).toBe(ok);
  });

  test('case folding applies to letters only: type 0x0041 is not type 0x0061', () => {
    const a = Buffer.from(sent);
    a.writeUInt16BE(0x41, end - 4);
    const b = Buffer.from(sent);
    b.writeUInt16BE(0x61, end - 4);
    expect(sameQuestion(b, a, end)).toBe(false);
  });
});

describe('buildQuery', () => {
  test.each([
    ['', 'NS', '.'],
    ['0123456789abcdef.clusterdns-loop', 'HINFO', '0123456789abcdef.clusterdns-loop'],
  ])('%j %s', (name, type, decoded) => {
    const m = dnsPacket.decode(buildQuery(name, type === 'NS' ? 2 : 13));
    expect(m.flag_rd).toBe(true);
    expect(m.questions).toEqual([{ name: decoded, type, class: 'IN' }]);
  });
});

describe('stub domain router', () => {
  const def = new ServerSet([]);
  const a = new ServerSet([]);
  const b = new ServerSet([]);
  const route = buildRouter(def, [
    { domain: 'svc.example', set: a },
    { domain: 'x.svc.example', set: b },
  ]);
  test.each([
    ['svc.example', a],
    ['q.svc.example', a],
    ['q.x.svc.example', b],
    ['x.svc.example', b],
    ['xsvc.example', def],
    ['example', def],
    ['', def],
  ])('%j', (name, set) => expect(route(name)).toBe(set));
  test('no stub domains: always the default set', () => expect(buildRouter(def, [])('a.b')).toBe(def));
});

describe('DeadlineList', () => {
  interface N extends DeadlineNode {
    name: string;
  }
  const node = (name: string): N => ({ name, deadline: 0, dPrev: null, dNext: null, dQueued: false });

  test('expires in deadline order, only those due, skips removed ones, keeps order for out-of-order pushes', () => {
    let now = 0;
    const fired: string[] = [];
    const list = new DeadlineList<N>(1000, () => now, (n) => fired.push(n.name));
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(node);
    list.push(a, 100);
    list.push(b, 200);
    list.push(c, 300);
    list.push(d, 150); // shorter than the tail: inserted in order
    list.remove(b);
    list.remove(b); // twice is harmless
    now = 160;
    list.tick();
    expect(fired).toEqual(['a', 'd']);
    now = 1000;
    list.tick();
    expect(fired).toEqual(['a', 'd', 'c']);
    expect(list.empty).toBe(true);
  });

  test('drain hands over everything and stops the clock', () => {
    const list = new DeadlineList<N>(1000, () => 0, () => {});
    const got: string[] = [];
    list.push(node('x'), 5);
    list.push(node('y'), 6);
    list.drain((n) => got.push(n.name));
    expect(got).toEqual(['x', 'y']);
    expect(list.empty).toBe(true);
  });
});
