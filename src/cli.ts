#!/usr/bin/env node
// clusterdns command line (DESIGN §3, the interface contract). Parses flags with commander,
// resolves options (defaults < config file < flags, config/README.md), starts the server and
// the operations endpoints, and turns every start-up failure into one clear line on stderr and
// a non-zero exit.
import { Command, Option } from 'commander';
import { flagsToOptions } from './config/flags';
import { withDefaults } from './config/help-defaults';
import { resolveOptions } from './config/file';
import type { Options } from './config/options';
import { createLogger } from './ops/log';
import { runServe } from './ops/serve';
import fs from 'node:fs';
import { coreDnsArgv } from './corefile/argv';
import type * as CorefileCommands from './corefile/commands';

/**
 * The Corefile front end (corefile/**: the parser and every directive), loaded only by
 * `--corefile`/`-conf`, `check`/`-validate` and `plugins`/`-plugins`: a flags start does not
 * pay for it in resident memory (issue 13). corefile/argv.ts imports nothing and stays eager.
 */
const corefileCommands = () => require('./corefile/commands') as typeof CorefileCommands;

const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

function serveCommand(): Command {
  return new Command('serve')
    .description('serve the cluster zone and forward everything else')
    .addOption(new Option('--listen <host:port>', 'UDP and TCP listen address (repeatable)').argParser(collect))
    .option('--cluster-domain <domain>', 'cluster domain')
    .option('--snapshot <path>', 'serve Kubernetes objects from YAML/JSON files instead of the API')
    .option('--kubeconfig <path>', 'kubeconfig (default: in-cluster, else $KUBECONFIG, else ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context')
    .option('--ttl <seconds>', 'record TTL, 0-3600')
    .option('--pods <mode>', 'pod records: disabled | insecure | verified')
    .option('--namespaces <ns,...>', 'expose only these namespaces')
    .option('--endpoint-pod-names', 'name endpoints after their pod when they have no hostname')
    .option('--ignore-empty-service', 'NXDOMAIN for a ClusterIP service without ready endpoints')
    .option('--reverse-zones <list>', 'CIDRs or reverse zones served authoritatively (default: all, misses upstream)')
    .option('--upstream <ip[:port],...>', 'upstream resolvers (default: nameservers of /etc/resolv.conf)')
    .option('--resolv-conf <path>', 'resolv.conf to read upstreams from')
    .addOption(new Option('--stub-domain <dom=ip[:port][,...]>', 'forward a domain to its own servers (repeatable)').argParser(collect))
    .addOption(new Option('--zone-file <path>', 'RFC 1035 master file served authoritatively (repeatable)').argParser(collect))
    .option('--upstream-policy <policy>', 'random | round_robin | sequential')
    .option('--upstream-timeout <ms>', 'read timeout of one upstream attempt, ms')
    .option('--max-concurrent-forwards <n>', 'upstream queries in flight at most; excess REFUSED')
    .option('--no-cache', 'disable the answer cache for forwarded names')
    .option('--no-native-udp', 'use node:dgram instead of the batched native UDP addon')
    .option('--no-loadbalance', 'answer A/AAAA records in the same order every time (default: rotated per response)')
    .option('--cache-size <entries>', 'cache entries at most')
    .option('--serve-stale <seconds>', 'serve expired answers this long while upstreams fail')
    .option('--health <host:port|off>', 'health endpoint')
    .option('--ready <host:port|off>', 'readiness endpoint')
    .option('--metrics <host:port|off>', 'Prometheus metrics endpoint')
    .option('--config <path>', 'YAML config file with the same settings; reloaded on change')
    .option('--service-selector <labels>', 'watch only Services matching this label selector')
    .option('--namespace-selector <labels>', 'watch only Namespaces matching this label selector')
    .option('--startup-timeout <ms>', 'serve anyway after this long without a first sync, ms')
    .option('--lame-duck <ms>', 'after SIGTERM keep answering this long with /ready 503, ms')
    .option('--workers <n>', 'threads answering UDP on the same port')
    .option('--log-level <level>', 'debug | info | warn | error')
    .option('--log-queries', 'log every query (costly)')
    .option('--demo-hint', 'print a dig line to try after start-up')
    .option('--autopath', "walk a pod's search path on the server (one round trip per external name)")
    .option('--autopath-namespaces <ns,...>', 'autopath only names of these namespaces')
    .option('--autopath-search <domain,...>', 'search domains walked after the cluster zone (default: search line of --resolv-conf)')
    .option('--corefile <path>', 'serve the server blocks of a CoreDNS Corefile (also: -conf FILE); flags given beside it win')
    .option('--dns-port <port>', 'CoreDNS -dns.port: the port of Corefile keys that name none (default: 53)')
    .option('--pidfile <path>', 'CoreDNS -pidfile: write the process id to this file')
    .option('--quiet', 'CoreDNS -quiet: accepted (clusterdns prints no banner)')
    .action(async (all: Record<string, unknown>) => {
      const { dnsPort, pidfile, quiet: _quiet, ...flags } = all;
      let opts: Options;
      let warnings: string[] = [];
      let corefile: Parameters<typeof runServe>[3];
      try {
        if (typeof flags.corefile === 'string') {
          const file = flags.corefile;
          const load = () => {
            const c = corefileCommands().corefileOptions(file, flagsToOptions(flags), dnsPort === undefined ? undefined : port(dnsPort));
            return { opts: c.opts, plan: c.loaded.plan, files: c.loaded.files, warnings: c.loaded.warnings };
          };
          const c = load();
          opts = c.opts;
          warnings = c.warnings;
          corefile = { plan: c.plan, files: c.files, load };
          // Worker processes would build the flags' blocks, not the Corefile's (issue 9: not yet).
          if (opts.workers > 1) {
            warnings.push(`a Corefile is served by one process for now: --workers ${opts.workers} taken as 1`);
            opts = { ...opts, workers: 1 };
          }
        } else {
          opts = resolveOptions(flagsToOptions(flags));
        }
        if (typeof pidfile === 'string') writePidfile(pidfile);
      } catch (e) {
        fail(e);
      }
      const log = createLogger(opts.logLevel);
      for (const w of warnings) log.warn(w, { code: 'CDNS_COREFILE_WARNING' });
      try {
        await runServe(opts, log, flags, corefile);
      } catch (e) {
        fail(e);
      }
    });
}

function port(v: unknown): number {
  if (typeof v !== 'string' || !/^\d{1,5}$/.test(v) || Number(v) > 65535) fail(new Error(`CDNS_CONFIG_RANGE: --dns-port: expected a port 0-65535, got ${JSON.stringify(v)}`));
  return Number(v);
}

function checkCommand(): Command {
  return new Command('check')
    .description('read a Corefile and print what each directive became, or the error (CoreDNS: -conf FILE -validate)')
    .argument('<corefile>', 'the Corefile')
    .option('--dns-port <port>', 'the port of keys that name none (default 53)')
    .action((file: string, flags: { dnsPort?: string }) => {
      process.exit(corefileCommands().runCheck(file, flags.dnsPort === undefined ? undefined : port(flags.dnsPort), process.stdout, process.stderr));
    });
}

function pluginsCommand(): Command {
  return new Command('plugins').description('list the Corefile plugins clusterdns serves (CoreDNS: -plugins)').action(() => {
    process.stdout.write(corefileCommands().pluginList());
  });
}

/** CoreDNS `-pidfile`: the process id written at start, removed at exit. */
function writePidfile(path: string): void {
  fs.writeFileSync(path, `${process.pid}\n`);
  process.on('exit', () => {
    try {
      fs.unlinkSync(path);
    } catch {
      // Already gone: nothing to clean up.
    }
  });
}

function fail(e: unknown): never {
  const err = e as { code?: string; message?: string };
  const msg = err.message ?? String(e);
  process.stderr.write(`clusterdns: ${err.code && !msg.startsWith(err.code) ? `${err.code}: ` : ''}${msg}\n`);
  process.exit(1);
}

const program = new Command('clusterdns')
  .description('DNS server of a Kubernetes cluster')
  .version(require('../package.json').version)
  .addCommand(withDefaults(serveCommand()))
  .addCommand(checkCommand())
  .addCommand(pluginsCommand());

// A CoreDNS Deployment's `-conf /etc/coredns/Corefile` (single dash) becomes `serve --corefile`.
program.parseAsync([...process.argv.slice(0, 2), ...coreDnsArgv(process.argv.slice(2))]).catch(fail);
