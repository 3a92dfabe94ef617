// The snapshot source seen from outside (DESIGN §3 --snapshot): the server reloads the file
// or directory on change, and a broken file keeps the last good view serving. Only the network
// and the files on disk are used, so this runs against a multi-process server unchanged.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as dnsPacket from 'dns-packet';
import { startTestServer, type TestServer } from '../support/server';
import { ask, expectNegative, NXDOMAIN, rcode, rrs, section, sleep, snapshotFile, waitFor, writeAtomic } from '../support/dns-e2e';

const Z = 'default.svc.cluster.local';

function view(webIP: string, extra = ''): string {
  return `
apiVersion: v1
kind: Namespace
metadata: { name: default }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec: { clusterIP: ${webIP}, ports: [{ name: http, port: 80, protocol: TCP }] }
${extra}`;
}

const answerOf = async (port: number, name: string, type: dnsPacket.RecordType = 'A') => {
  const { packet } = await ask(port, name, type);
  return `${rcode(packet)} ${rrs(packet).join(',')}`;
};

const serial = async (port: number) => {
  const { packet } = await ask(port, 'cluster.local', 'SOA');
  return (section(packet, 'answers')[0] as { data: dnsPacket.SoaData }).data.serial as number;
};

describe('a snapshot file', () => {
  let srv: TestServer;
  let file: string;
  beforeAll(async () => {
    srv = await startTestServer(view('10.96.12.34'));
    file = snapshotFile(srv);
  });
  afterAll(() => srv?.close());

  test('a change reaches the answers without a restart; the SOA serial moves forward', async () => {
    expect(await answerOf(srv.port, `web.${Z}`)).toBe(`NOERROR web.${Z} A 10.96.12.34`);
    const before = await serial(srv.port);
    await sleep(1100); // the serial counts seconds: let one pass
    writeAtomic(file, view('10.96.12.99', `---
apiVersion: v1
kind: Service
metadata: { name: api, namespace: default }
spec: { clusterIP: 10.96.0.77 }
`));
    await waitFor(() => answerOf(srv.port, `web.${Z}`), (a) => a === `NOERROR web.${Z} A 10.96.12.99`);
    // A name that was NXDOMAIN a moment ago: no stale negative answer survives the reload.
    expect(await answerOf(srv.port, `api.${Z}`)).toBe(`NOERROR api.${Z} A 10.96.0.77`);
    expect(await serial(srv.port)).toBeGreaterThan(before);
  });

  test('a removed Service is NXDOMAIN after the reload', async () => {
    writeAtomic(file, view('10.96.12.99'));
    await waitFor(() => answerOf(srv.port, `api.${Z}`), (a) => a.startsWith('NXDOMAIN'));
    const { packet } = await ask(srv.port, `api.${Z}`, 'A');
    expectNegative(packet, NXDOMAIN);
  });

  test('invalid YAML keeps the last good view serving; the next good file is picked up', async () => {
    writeAtomic(file, 'apiVersion: v1\nkind: Service\nmetadata: { name: web, namespace: default\nspec: [unclosed\n');
    await sleep(400); // longer than the reload debounce
    for (let i = 0; i < 5; i++) expect(await answerOf(srv.port, `web.${Z}`)).toBe(`NOERROR web.${Z} A 10.96.12.99`);
    writeAtomic(file, view('10.96.12.1'));
    await waitFor(() => answerOf(srv.port, `web.${Z}`), (a) => a === `NOERROR web.${Z} A 10.96.12.1`);
  });

  test('a bad field (port 70000) keeps the last good view serving, not half of the new one', async () => {
    writeAtomic(file, view('10.96.12.2', `---
apiVersion: v1
kind: Service
metadata: { name: broken, namespace: default }
spec: { clusterIP: 10.96.0.78, ports: [{ name: http, port: 70000 }] }
`));
    await sleep(400);
    for (let i = 0; i < 5; i++) {
      expect(await answerOf(srv.port, `web.${Z}`)).toBe(`NOERROR web.${Z} A 10.96.12.1`);
      expect((await answerOf(srv.port, `broken.${Z}`)).startsWith('NXDOMAIN')).toBe(true);
    }
    writeAtomic(file, view('10.96.12.3'));
    await waitFor(() => answerOf(srv.port, `web.${Z}`), (a) => a === `NOERROR web.${Z} A 10.96.12.3`);
  });
});

describe('a snapshot directory', () => {
  let dir: string;
  let srv: TestServer;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clusterdns-e2e-dir-'));
    fs.writeFileSync(path.join(dir, 'a-namespaces.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: { name: default }\n---\napiVersion: v1\nkind: Namespace\nmetadata: { name: shop }\n');
    fs.writeFileSync(
      path.join(dir, 'b-services.json'),
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ServiceList',
        items: [
          { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '10.96.12.34' } },
          { apiVersion: 'v1', kind: 'Service', metadata: { name: 'cart', namespace: 'shop' }, spec: { clusterIP: '10.96.1.5' } },
        ],
      }),
    );
    // Not read: dotfiles (ConfigMap volume internals) and other extensions.
    fs.writeFileSync(path.join(dir, '.hidden.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: { name: hidden, namespace: default }\nspec: { clusterIP: 10.96.0.3 }\n');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'kind: Service\nnot: yaml: at: all: [');
    srv = await startTestServer('', { snapshot: dir });
  });
  afterAll(async () => {
    await srv?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('objects from every YAML and JSON file, List kinds included', async () => {
    expect(await answerOf(srv.port, `web.${Z}`)).toBe(`NOERROR web.${Z} A 10.96.12.34`);
    expect(await answerOf(srv.port, 'cart.shop.svc.cluster.local')).toBe('NOERROR cart.shop.svc.cluster.local A 10.96.1.5');
  });

  test('dotfiles and other extensions are not read', async () => {
    expect((await answerOf(srv.port, `hidden.${Z}`)).startsWith('NXDOMAIN')).toBe(true);
  });

  test('a new file is picked up; a deleted one is dropped', async () => {
    writeAtomic(path.join(dir, 'c-more.yml'), 'apiVersion: v1\nkind: Service\nmetadata: { name: more, namespace: shop }\nspec: { clusterIP: 10.96.1.6 }\n');
    await waitFor(() => answerOf(srv.port, 'more.shop.svc.cluster.local'), (a) => a === 'NOERROR more.shop.svc.cluster.local A 10.96.1.6');
    fs.unlinkSync(path.join(dir, 'b-services.json'));
    await waitFor(() => answerOf(srv.port, 'cart.shop.svc.cluster.local'), (a) => a.startsWith('NXDOMAIN'));
    expect(await answerOf(srv.port, 'more.shop.svc.cluster.local')).toBe('NOERROR more.shop.svc.cluster.local A 10.96.1.6');
  });
});
