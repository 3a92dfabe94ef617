// dig transcripts (Debian dnsutils): what an operator sees when they check the server by hand.
// Each test reads dig's own rendering of the reply: the status, the flags and the sections.
import { dig, startTestServer, type TestServer } from '../support/server';
import { fixture } from '../support/dns-e2e';

const Z = 'default.svc.cluster.local';

interface Transcript {
  status: string;
  flags: string[];
  counts: Record<string, number>;
  sections: Record<string, string[]>;
}

/** Parses dig's default output: the header line, the flags line and each section's records. */
function parse(out: string): Transcript {
  const status = /status: ([A-Z]+)/.exec(out)?.[1];
  const flagsLine = /;; flags: ([^;]*);(.*)/.exec(out);
  if (!status || !flagsLine) throw new Error(`not a dig reply transcript:\n${out}`);
  const counts: Record<string, number> = {};
  for (const m of flagsLine[2].matchAll(/([A-Z]+): (\d+)/g)) counts[m[1]] = Number(m[2]);
  const sections: Record<string, string[]> = {};
  let current: string | null = null;
  for (const line of out.split('\n')) {
    const head = /^;; ([A-Z]+) SECTION:$/.exec(line);
    if (head) {
      current = head[1];
      sections[current] = [];
    } else if (line.trim() === '') current = null;
    else if (current && !line.startsWith(';')) sections[current].push(line.trim().split(/\s+/).join(' '));
  }
  return { status, flags: flagsLine[1].trim().split(/\s+/), counts, sections };
}

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer(fixture('cluster.yaml'));
});
afterAll(() => srv?.close());

const run = async (...args: string[]) => parse(await dig(srv.port, args));

test('A of a ClusterIP Service', async () => {
  const t = await run(`web.${Z}`, 'A');
  expect(t.status).toBe('NOERROR');
  expect(t.flags).toEqual(expect.arrayContaining(['qr', 'aa']));
  expect(t.flags).not.toContain('tc');
  expect(t.sections.ANSWER).toEqual([`web.${Z}. 30 IN A 10.96.12.34`]);
  expect(t.sections.AUTHORITY).toBeUndefined();
  expect(t.counts).toMatchObject({ QUERY: 1, ANSWER: 1, AUTHORITY: 0 });
});

test('SRV of a named port, with glue in the additional section', async () => {
  const t = await run(`_http._tcp.web.${Z}`, 'SRV');
  expect(t.status).toBe('NOERROR');
  expect(t.flags).toEqual(expect.arrayContaining(['qr', 'aa']));
  expect(t.sections.ANSWER).toEqual([`_http._tcp.web.${Z}. 30 IN SRV 0 100 80 web.${Z}.`]);
  expect(t.sections.ADDITIONAL).toEqual([`web.${Z}. 30 IN A 10.96.12.34`]);
});

test('PTR with dig -x', async () => {
  const t = await run('-x', '10.96.12.34');
  expect(t.status).toBe('NOERROR');
  expect(t.flags).toEqual(expect.arrayContaining(['qr', 'aa']));
  expect(t.sections.ANSWER).toEqual([`34.12.96.10.in-addr.arpa. 30 IN PTR web.${Z}.`]);
});

test('headless Service over TCP: one A per ready endpoint', async () => {
  const t = await run('+tcp', `db.${Z}`, 'A');
  expect(t.status).toBe('NOERROR');
  expect(t.flags).toEqual(expect.arrayContaining(['qr', 'aa']));
  expect([...t.sections.ANSWER].sort()).toEqual([`db.${Z}. 30 IN A 10.244.1.10`, `db.${Z}. 30 IN A 10.244.2.11`]);
});

test('ExternalName: CNAME to the target; in-zone target chased', async () => {
  const cname = await run(`ext.${Z}`, 'CNAME');
  expect(cname.status).toBe('NOERROR');
  expect(cname.sections.ANSWER).toEqual([`ext.${Z}. 30 IN CNAME api.example.com.`]);
  const chased = await run(`alias.${Z}`, 'A');
  expect(chased.status).toBe('NOERROR');
  expect(chased.flags).toEqual(expect.arrayContaining(['qr', 'aa']));
  expect(chased.sections.ANSWER).toEqual([`alias.${Z}. 30 IN CNAME web.${Z}.`, `web.${Z}. 30 IN A 10.96.12.34`]);
});

test('NXDOMAIN with the zone SOA in the authority section (no EDNS)', async () => {
  const t = await run('+noedns', `nosuch.${Z}`, 'A');
  expect(t.status).toBe('NXDOMAIN');
  expect(t.flags).toEqual(expect.arrayContaining(['qr', 'aa']));
  expect(t.sections.ANSWER).toBeUndefined();
  expect(t.sections.AUTHORITY).toHaveLength(1);
  expect(t.sections.AUTHORITY[0]).toMatch(/^cluster\.local\. 30 IN SOA ns\.dns\.cluster\.local\. hostmaster\.cluster\.local\. \d+ 7200 1800 86400 30$/);
  expect(t.counts).toMatchObject({ ANSWER: 0, AUTHORITY: 1, ADDITIONAL: 0 });
});

test('NODATA: NOERROR, no answer, the SOA', async () => {
  const t = await run(`web.${Z}`, 'AAAA');
  expect(t.status).toBe('NOERROR');
  expect(t.counts.ANSWER).toBe(0);
  expect(t.sections.AUTHORITY?.[0]).toMatch(/^cluster\.local\. 30 IN SOA /);
});

test('dig +short for the dual-stack Service', async () => {
  const out4 = await dig(srv.port, ['+short', `dual.${Z}`, 'A']);
  const out6 = await dig(srv.port, ['+short', `dual.${Z}`, 'AAAA']);
  expect(out4.trim()).toBe('10.96.0.20');
  expect(out6.trim()).toBe('fd00:10:96::20');
});
