// resolve/local.ts: the memo of locally computed answers. A new epoch empties it; a set
// computed against an old epoch is dropped; a flood of names cannot grow it past its bound;
// invalidate() drops exactly the entries stored with a touched tag (issue 11), and the drop
// observer hears every drop.
import { ANY_CHANGE, LocalAnswers } from '../../src/resolve/local';
import { emptyAnswer, encodeAnswer } from '../../src/dns/encoded';
import * as dnsPacket from 'dns-packet';

const a1 = emptyAnswer(0);
const a2 = emptyAnswer(3);

describe('LocalAnswers', () => {
  test('answers are kept for their generation only', () => {
    const m = new LocalAnswers(10);
    expect(m.get('k', 1)).toBeUndefined();
    m.set('k', 1, a1);
    expect(m.get('k', 1)).toBe(a1);
    expect(m.get('k', 2)).toBeUndefined(); // the view moved: gone
    expect(m.size).toBe(0);
    expect(m.get('k', 1)).toBeUndefined(); // and it does not come back with the old number
  });

  test('a set for a generation that has moved on is ignored', () => {
    const m = new LocalAnswers(10);
    m.get('x', 5);
    m.set('k', 4, a1);
    expect(m.get('k', 5)).toBeUndefined();
    m.set('k', 5, a2);
    expect(m.get('k', 5)).toBe(a2);
  });

  test('bounded: when full it starts over rather than grow', () => {
    const m = new LocalAnswers(3);
    m.get('', 1);
    for (const k of ['a', 'b', 'c']) m.set(k, 1, a1);
    expect(m.size).toBe(3);
    m.set('d', 1, a2);
    expect(m.size).toBeLessThanOrEqual(3);
    expect(m.get('d', 1)).toBe(a2);
    for (let i = 0; i < 1000; i++) m.set(`n${i}`, 1, a1);
    expect(m.size).toBeLessThanOrEqual(3);
  });

  test('invalidate drops the entries holding a touched tag, and only those', () => {
    const m = new LocalAnswers(100);
    m.get('', 1);
    m.set('web', 1, a1, ['n:default', 's:default/web']);
    m.set('db', 1, a1, ['n:default', 's:default/db', 'e:default/db']);
    m.set('nx', 1, a2, ['n:default', 's:default/nope', 'soa']);
    m.set('static', 1, a2); // a static zone answer: no tags
    m.invalidate(new Set(['e:default/db', 'a:10.0.0.1']), 0);
    expect(['web', 'db', 'nx', 'static'].map((k) => m.has(k))).toEqual([true, false, true, true]);
    m.invalidate(new Set(['soa']), 0);
    expect(['web', 'nx', 'static'].map((k) => m.has(k))).toEqual([true, false, true]);
    m.invalidate(new Set(['n:default']), 0);
    expect(['web', 'static'].map((k) => m.has(k))).toEqual([false, true]);
    expect(m.tagCount).toBe(0); // no tag outlives its entries
    m.invalidate('all', 0);
    expect(m.size).toBe(0);
  });

  test('an entry stored again replaces its tags', () => {
    const m = new LocalAnswers(100);
    m.get('', 1);
    m.set('k', 1, a1, ['s:a']);
    m.set('k', 1, a2, ['s:b']);
    m.invalidate(new Set(['s:a']), 0);
    expect(m.get('k', 1)).toBe(a2);
    expect(m.tagCount).toBe(1);
    m.invalidate(new Set(['s:b']), 0);
    expect(m.has('k')).toBe(false);
  });

  test('ANY_CHANGE entries go with any change', () => {
    const m = new LocalAnswers(100);
    m.get('', 1);
    m.set('unknown', 1, a1, [ANY_CHANGE]);
    m.set('web', 1, a1, ['s:default/web']);
    m.invalidate(new Set(['s:other/x']), 0);
    expect([m.has('unknown'), m.has('web')]).toEqual([false, true]);
  });

  test('onDrop hears the dropped keys, and "all" for every whole drop', () => {
    const m = new LocalAnswers(2);
    const heard: (string[] | 'all')[] = [];
    const off = m.onDrop((d) => heard.push(d));
    m.get('', 1);
    m.set('a', 1, a1, ['t1']);
    m.set('b', 1, a1, ['t1', 't2']);
    m.invalidate(new Set(['t2']), 0);
    m.invalidate(new Set(['nothing']), 0);
    m.set('c', 1, a1);
    m.set('d', 1, a1); // full: starts over
    m.get('c', 2); // a new epoch
    m.clear();
    off();
    m.invalidate('all', 0);
    expect(heard).toEqual([['b'], 'all', 'all', 'all']);
  });

  test('a moved serial is written into the entries carrying the SOA; they stay, copies hear of them', () => {
    const soa = { name: 'cluster.local', type: 'SOA', ttl: 30, data: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 100, refresh: 7200, retry: 1800, expire: 86400, minimum: 30 } };
    const nx = encodeAnswer('nope.default.svc.cluster.local', { rcode: 3, authoritative: true, answers: [], authority: [soa as never], additional: [] });
    const m = new LocalAnswers(100);
    const heard: (string[] | 'all')[] = [];
    m.onDrop((d) => heard.push(d));
    m.get('', 1);
    m.set('nx', 1, nx, ['n:default', 'soa']);
    m.set('web', 1, a1, ['s:default/web']);
    m.invalidate(new Set(['soa', 's:other/x']), 4_000_000_123);
    expect(m.get('nx', 1)).toBe(nx);
    expect(m.has('web')).toBe(true);
    expect(heard).toEqual([['nx']]);
    // The whole response, decoded: the SOA carries the new serial and nothing else moved.
    const question = dnsPacket.encode({ type: 'query', id: 1, questions: [{ type: 'A', name: 'nope.default.svc.cluster.local' }] });
    const wire = Buffer.concat([question.subarray(0, 4), Buffer.from([0, 1, 0, 0, 0, 1, 0, 0]), question.subarray(12), nx.body]);
    const decoded = dnsPacket.decode(wire);
    expect(decoded.authorities?.[0]).toMatchObject({ type: 'SOA', name: 'cluster.local', data: { ...soa.data, serial: 4_000_000_123 } });
    // Both tags still index it: a later change to the namespace drops it.
    m.invalidate(new Set(['n:default']), 4_000_000_124);
    expect(m.has('nx')).toBe(false);
    expect(m.tagCount).toBe(1);
  });
});
