// sources/kube-access.ts: the kubeconfigs read without client-node (a token, a token file, a
// client certificate), what it leaves to client-node, and that a token file is read per
// request (bound service-account tokens rotate). Requests against a real server are in
// kubernetes.test.ts ("a file and a context select the cluster" goes through this reader).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as https from 'node:https';
import { fileAccess } from '../../src/sources/kube-access';
import { KubeConfigError, loadKubeConfig } from '../../src/sources/kube-client';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clusterdns-access-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function config(user: string, cluster = 'server: https://127.0.0.1:6443\n    certificate-authority: ca.pem'): string {
  const file = path.join(dir, 'config');
  fs.writeFileSync(file, `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    ${cluster}\nusers:\n- name: u\n  user:\n    ${user}\ncontexts:\n- name: ctx\n  context: { cluster: c, user: u }\ncurrent-context: ctx\n`);
  fs.writeFileSync(path.join(dir, 'ca.pem'), 'CA BYTES');
  return file;
}

async function optionsOf(file: string, context: string | null = null): Promise<https.RequestOptions> {
  const a = fileAccess(file, context);
  if (a === null) throw new Error('expected the reader to handle this config');
  const o: https.RequestOptions = {};
  await a.applyToHTTPSOptions(o);
  return o;
}

test('a token user: bearer header, CA read relative to the file, TLS verified', async () => {
  const o = await optionsOf(config('token: abc'));
  expect(o.headers).toEqual({ Authorization: 'Bearer abc' });
  expect(String(o.ca)).toBe('CA BYTES');
  expect(o.rejectUnauthorized).toBe(true);
  expect(fileAccess(config('token: abc'), null)!.getCurrentCluster()).toEqual({ server: 'https://127.0.0.1:6443' });
});

test('a token file is read on every request: a rotated token is used at once', async () => {
  fs.writeFileSync(path.join(dir, 'tok'), 'one\n');
  const a = fileAccess(config('tokenFile: tok'), null)!;
  const o1: https.RequestOptions = {};
  await a.applyToHTTPSOptions(o1);
  fs.writeFileSync(path.join(dir, 'tok'), 'two\n');
  const o2: https.RequestOptions = {};
  await a.applyToHTTPSOptions(o2);
  expect([o1.headers, o2.headers]).toEqual([{ Authorization: 'Bearer one' }, { Authorization: 'Bearer two' }]);
});

test('client certificate data; insecure-skip-tls-verify', async () => {
  const o = await optionsOf(config(`client-certificate-data: ${Buffer.from('CERT').toString('base64')}\n    client-key-data: ${Buffer.from('KEY').toString('base64')}`, 'server: https://k:6443\n    insecure-skip-tls-verify: true'));
  expect([String(o.cert), String(o.key), o.rejectUnauthorized, o.headers]).toEqual(['CERT', 'KEY', false, undefined]);
});

test.each([
  ['an exec plugin', 'exec: { apiVersion: client.authentication.k8s.io/v1, command: get-token }'],
  ['an auth provider', 'auth-provider: { name: oidc }'],
  ['basic auth', 'username: a\n    password: b'],
])('%s is left to client-node', (_n, user) => {
  const file = config(user);
  expect(fileAccess(file, null)).toBeNull();
  const kc = loadKubeConfig(file, null) as unknown as { getCurrentContext(): string };
  expect(kc.getCurrentContext()).toBe('ctx'); // a client-node KubeConfig
});

test('an unknown context names the known ones; a cluster without server is refused', () => {
  expect(() => loadKubeConfig(config('token: abc'), 'nope')).toThrow(new KubeConfigError(path.join(dir, 'config'), 'context "nope" not found (contexts: ctx)'));
  expect(() => loadKubeConfig(config('token: abc', 'certificate-authority: ca.pem'), null)).toThrow(/context "ctx" names no cluster with a server URL/);
});
