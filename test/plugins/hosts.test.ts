// hosts (plugins/hosts.ts) through its link API, with real files in a temp folder: the answer
// rules of CoreDNS's hosts plugin, reload on change, a vanished file, a failed re-read.
import { mkdtempSync, mkdirSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RCODE, TYPE } from '../../src/dns/constants';
import { createHosts } from '../../src/plugins/hosts';
import type { HostsConfig, QueryInfo } from '../../src/plugins/types';

let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'hosts-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const q = (name: string, qtype: number = TYPE.A): QueryInfo => ({ name, qtype, qclass: 1, remoteAddress: '127.0.0.1', remotePort: 5353, proto: 'udp' });
const cfg = (o: Partial<HostsConfig>): HostsConfig => ({ origin: 'Corefile:7', file: null, zones: [''], inline: [], ttl: 3600, reloadMs: 0, noReverse: false, fallthrough: null, ...o });
const logs = () => {
  const lines: string[] = [];
  return { lines, log: { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m) } };
};
const short = (s: ReturnType<ReturnType<typeof createHosts>['answer']>) =>
  s === null ? null : { rcode: s.rcode, aa: s.authoritative, answers: s.answers.map((r) => `${r.name} ${r.ttl} ${r.type} ${String(r.data)}`) };

// k3s NodeHosts, as the k3s server writes it, plus what users put in /etc/hosts.
const NODEHOSTS = `# nodes
192.168.1.10 server-0
192.168.1.11 agent-0   Agent-0.Lan  # alias, mixed case
fd00::11     agent-0
not-an-ip    ignored-line
192.168.1.12
10.0.0.1 outside.example.org
`;

describe('answers', () => {
  test.each([
    ['A of a file name', q('server-0'), { rcode: 0, aa: true, answers: ['server-0 60 A 192.168.1.10'] }],
    ['names are case-insensitive, aliases answer too', q('agent-0.lan'), { rcode: 0, aa: true, answers: ['agent-0.lan 60 A 192.168.1.11'] }],
    ['AAAA', q('agent-0', TYPE.AAAA), { rcode: 0, aa: true, answers: ['agent-0 60 AAAA fd00::11'] }],
    ['a known name of another type is NODATA', q('server-0', TYPE.AAAA), { rcode: 0, aa: true, answers: [] }],
    ['MX of a known name: NODATA', q('server-0', TYPE.MX), { rcode: 0, aa: true, answers: [] }],
    ['generated PTR (all names of the address)', q('11.1.168.192.in-addr.arpa', TYPE.PTR), { rcode: 0, aa: true, answers: ['11.1.168.192.in-addr.arpa 60 PTR agent-0', '11.1.168.192.in-addr.arpa 60 PTR agent-0.lan'] }],
    ['IPv6 PTR', q('1.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa', TYPE.PTR), { rcode: 0, aa: true, answers: ['1.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa 60 PTR agent-0'] }],
    ['an inline line', q('registry.local'), { rcode: 0, aa: true, answers: ['registry.local 60 A 10.1.2.3'] }],
    ['an unknown name without fallthrough: SERVFAIL', q('nobody'), { rcode: RCODE.SERVFAIL, aa: false, answers: [] }],
    ['a PTR of an unknown address passes on', q('9.9.9.9.in-addr.arpa', TYPE.PTR), null],
  ])('%s', (_t, query, want) => {
    writeFileSync(path.join(dir, 'NodeHosts'), NODEHOSTS);
    const link = createHosts(cfg({ file: path.join(dir, 'NodeHosts'), inline: ['10.1.2.3 registry.local'], ttl: 60 }));
    expect(short(link.answer(query))).toEqual(want);
    expect(link.memoizable).toBe(true);
  });

  test('zones: names outside pass on (and are not loaded), PTR needs no listed reverse zone', () => {
    const link = createHosts(cfg({ zones: ['example.org'], inline: ['10.0.0.1 web.example.org', '10.0.0.2 other.test'] }));
    expect(short(link.answer(q('web.example.org')))?.answers).toEqual(['web.example.org 3600 A 10.0.0.1']);
    expect(link.answer(q('other.test'))).toBeNull();
    expect(short(link.answer(q('1.0.0.10.in-addr.arpa', TYPE.PTR)))?.answers).toEqual(['1.0.0.10.in-addr.arpa 3600 PTR web.example.org']);
    expect(link.answer(q('2.0.0.10.in-addr.arpa', TYPE.PTR))).toBeNull();
  });

  test('fallthrough, everywhere or only for its zones; no_reverse', () => {
    const all = createHosts(cfg({ inline: ['10.0.0.1 a.lan'], fallthrough: [] }));
    expect(all.answer(q('b.lan'))).toBeNull();
    const some = createHosts(cfg({ inline: ['10.0.0.1 a.lan'], fallthrough: ['corp'] }));
    expect(some.answer(q('x.corp'))).toBeNull();
    expect(some.answer(q('b.lan'))?.rcode).toBe(RCODE.SERVFAIL);
    const noRev = createHosts(cfg({ inline: ['10.0.0.1 a.lan'], noReverse: true }));
    expect(noRev.answer(q('1.0.0.10.in-addr.arpa', TYPE.PTR))).toBeNull();
    expect(noRev.answer(q('a.lan'))?.answers).toHaveLength(1);
  });
});

describe('the file over time', () => {
  test('a change is re-read, version() moves; a vanished file leaves the inline lines; it may come back', () => {
    const file = path.join(dir, 'hosts');
    writeFileSync(file, '10.0.0.1 a.lan\n');
    const { lines, log } = logs();
    const link = createHosts(cfg({ file, inline: ['10.9.9.9 pinned.lan'], reloadMs: 0 }), log);
    const v1 = link.version();
    link.refresh();
    expect(link.version()).toBe(v1); // unchanged file: no new version
    writeFileSync(file, '10.0.0.2 a.lan\n10.0.0.3 b.lan\n');
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    link.refresh();
    expect(link.version()).toBeGreaterThan(v1);
    expect(short(link.answer(q('a.lan')))?.answers).toEqual(['a.lan 3600 A 10.0.0.2']);
    expect(link.answer(q('b.lan'))?.answers).toHaveLength(1);
    unlinkSync(file);
    link.refresh();
    expect(link.answer(q('a.lan'))?.rcode).toBe(RCODE.SERVFAIL);
    expect(link.answer(q('pinned.lan'))?.answers).toHaveLength(1);
    expect(lines).toEqual([`hosts: ${file} is gone; serving the inline lines`]);
    writeFileSync(file, '10.0.0.4 a.lan\n');
    link.refresh();
    expect(short(link.answer(q('a.lan')))?.answers).toEqual(['a.lan 3600 A 10.0.0.4']);
  });

  test('a failed re-read keeps the last good data and is logged once', () => {
    const file = path.join(dir, 'hosts');
    writeFileSync(file, '10.0.0.1 a.lan\n');
    const { lines, log } = logs();
    const link = createHosts(cfg({ file }), log);
    unlinkSync(file);
    mkdirSync(file); // a directory where the file was: reading fails with EISDIR
    link.refresh();
    link.refresh();
    link.refresh();
    expect(link.answer(q('a.lan'))?.answers).toHaveLength(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^hosts: cannot re-read ${file}, keeping the last good data: EISDIR`));
  });

  test('the reload timer picks up a change by itself', async () => {
    const file = path.join(dir, 'hosts');
    writeFileSync(file, '10.0.0.1 a.lan\n');
    const link = createHosts(cfg({ file, reloadMs: 20 }));
    try {
      writeFileSync(file, '10.0.0.1 a.lan\n10.0.0.5 new.lan\n');
      const until = Date.now() + 3000;
      while (link.answer(q('new.lan'))?.rcode !== 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      expect(link.answer(q('new.lan'))?.answers).toHaveLength(1);
    } finally {
      link.close();
    }
  });

  test('a missing file at start is a warning (k3s writes NodeHosts later), an unreadable one an error', () => {
    const { lines, log } = logs();
    const link = createHosts(cfg({ file: path.join(dir, 'NodeHosts'), inline: ['10.0.0.1 a.lan'] }), log);
    expect(link.answer(q('a.lan'))?.answers).toHaveLength(1);
    expect(lines).toEqual([`hosts: ${path.join(dir, 'NodeHosts')} does not exist; serving the inline lines`]);
    expect(() => createHosts(cfg({ file: dir }))).toThrow(`CDNS_PLUGIN_HOSTS: Corefile:7: hosts: cannot read ${dir}: EISDIR: illegal operation on a directory, read`);
  });
});
