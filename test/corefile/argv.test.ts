// Issue 9 point 1: a CoreDNS Deployment's args, unchanged, mean the same to clusterdns.
import { coreDnsArgv } from '../../src/corefile/argv';

test.each<[string[], string[]]>([
  [['-conf', '/etc/coredns/Corefile'], ['serve', '--corefile', '/etc/coredns/Corefile']],
  [['-conf=/etc/coredns/Corefile'], ['serve', '--corefile', '/etc/coredns/Corefile']],
  [['--conf', '/etc/coredns/Corefile'], ['serve', '--corefile', '/etc/coredns/Corefile']],
  [['-conf', 'C', '-dns.port', '1053', '-quiet', '-pidfile', '/run/coredns.pid'], ['serve', '--corefile', 'C', '--dns-port', '1053', '--quiet', '--pidfile', '/run/coredns.pid']],
  [['-dns.port=1053', '-conf', 'C'], ['serve', '--corefile', 'C', '--dns-port', '1053']],
  [['serve', '--corefile', 'C', '--workers', '2'], ['serve', '--corefile', 'C', '--workers', '2']],
  [['serve', '-conf', 'C', '--log-level', 'debug'], ['serve', '--corefile', 'C', '--log-level', 'debug']],
  [['-conf', 'C', '-validate'], ['check', 'C']],
  [['-validate', '-conf', 'C', '-dns.port', '1053'], ['check', 'C', '--dns-port', '1053']],
  [['-plugins'], ['plugins']],
  [['-version'], ['--version']],
  [['--version'], ['--version']],
  [['check', 'C'], ['check', 'C']],
  [['serve', '--snapshot', 'x.yaml', '--listen', '127.0.0.1:1053'], ['serve', '--snapshot', 'x.yaml', '--listen', '127.0.0.1:1053']],
  [['--help'], ['--help']],
  // CoreDNS with no flags reads ./Corefile; clusterdns's bare command shows its help.
  [[], []],
])('%j -> %j', (args, want) => {
  expect(coreDnsArgv(args)).toEqual(want);
});
