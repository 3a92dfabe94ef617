// Answers for `<svc>.<ns>.svc.<zone>` and the endpoint names below it (SPEC §2: ClusterIP,
// Headless, Endpoint names, ExternalName).
import { TYPE } from '../dns/constants';
import type { AnswerSet, Record } from '../dns/records';
import { ipFamily } from './ip';
import type { ChasedAnswer, ZoneContext } from './context';
import type { MergedEndpoint } from './store';
import type { ServiceRecord } from './types';
import { dashedIP } from './ip';

const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Whether DNS publishes an address of a Service: a ready one, or any with publishNotReadyAddresses. */
export const isServed = (svc: ServiceRecord, e: MergedEndpoint): boolean => e.ready || svc.publishNotReadyAddresses;

/** The addresses of a Service that DNS publishes (isServed). */
export function servedEndpoints(z: ZoneContext, svc: ServiceRecord): MergedEndpoint[] {
  const all = z.endpointsOf(svc);
  return svc.publishNotReadyAddresses ? all : all.filter((e) => isServed(svc, e));
}

/** SPEC §2, Endpoint names: hostname, else the pod name (option), else the dashed IP. */
export function endpointName(z: ZoneContext, e: MergedEndpoint): string {
  if (e.hostname) return e.hostname;
  if (z.opts.endpointPodNames && e.podName && LABEL.test(e.podName)) return e.podName;
  return dashedIP(e.address);
}

export function serviceFqdn(z: ZoneContext, svc: ServiceRecord): string {
  return `${svc.name}.${svc.namespace}.svc.${z.opts.domain}`;
}

const wantFamily = (qtype: number): 4 | 6 | 0 => (qtype === TYPE.A ? 4 : qtype === TYPE.AAAA ? 6 : 0);

/** `<svc>.<ns>.svc.<zone>` */
export function answerService(z: ZoneContext, name: string, qtype: number, svc: ServiceRecord): ChasedAnswer {
  if (svc.kind === 'ExternalName') return answerExternalName(z, name, qtype, svc);
  if (qtype === TYPE.SRV) return answerServiceSrv(z, name, svc, null, null);
  if (svc.kind === 'Headless') {
    const eps = servedEndpoints(z, svc);
    // SPEC §2: a headless Service without ready endpoints does not exist.
    if (eps.length === 0) return z.nxdomain();
    return addressesOrNodata(z, name, qtype, eps.map((e) => e.address));
  }
  if (z.opts.ignoreEmptyService && servedEndpoints(z, svc).length === 0) return z.nxdomain();
  return addressesOrNodata(z, name, qtype, svc.clusterIPs);
}

function addressesOrNodata(z: ZoneContext, name: string, qtype: number, ips: string[]): AnswerSet {
  const fam = wantFamily(qtype);
  if (fam === 0) return z.nodata();
  const answers: Record[] = [];
  for (const ip of ips) if (ipFamily(ip) === fam) answers.push(z.address(name, ip));
  return answers.length ? z.positive(answers) : z.nodata();
}

function answerExternalName(z: ZoneContext, name: string, qtype: number, svc: ServiceRecord): ChasedAnswer {
  // SPEC §2: an IP literal as externalName yields no record.
  if (ipFamily(svc.externalName) !== 0) return z.nodata();
  const cname: Record = { name, type: 'CNAME', ttl: z.ttl, data: svc.externalName };
  const set: ChasedAnswer = z.positive([cname]);
  // RFC 1034 §3.6.2: any other type follows the alias; the chain resolves the target (in the
  // zone or upstream) and appends its records.
  if (qtype !== TYPE.CNAME) set.chase = svc.externalName;
  return set;
}

/** `<endpoint>.<svc>.<ns>.svc.<zone>`: every served address carrying that name. */
export function answerEndpoint(z: ZoneContext, name: string, qtype: number, svc: ServiceRecord, label: string): AnswerSet {
  if (svc.kind === 'ExternalName') return z.nxdomain();
  const ips: string[] = [];
  for (const e of z.endpointsNamed(svc, label, (row) => endpointName(z, row))) if (isServed(svc, e)) ips.push(e.address);
  if (ips.length === 0) {
    // `_tcp.<svc>...` is an empty non-terminal when a port of that protocol exists.
    if (label.startsWith('_') && portsOf(z, svc).some((p) => p.name !== '' && `_${p.protocol}` === label)) return z.nodata();
    return z.nxdomain();
  }
  return addressesOrNodata(z, name, qtype, ips);
}

function portsOf(z: ZoneContext, svc: ServiceRecord) {
  // Headless answers name endpoints, so their ports are the endpoints' (target) ports.
  return svc.kind === 'Headless' ? z.endpointPortsOf(svc) : svc.ports;
}

/**
 * SRV on `_<port>._<proto>.<svc>...` (portName/proto given) or on the bare Service name (null:
 * every port). SPEC §2, SRV: priority 0, weight floor(100/n) >= 1, dedup on (target, port),
 * targets' addresses in the additional section.
 */
export function answerServiceSrv(z: ZoneContext, name: string, svc: ServiceRecord, portName: string | null, proto: string | null): AnswerSet {
  if (svc.kind === 'ExternalName') return portName === null ? answerExternalName(z, name, TYPE.SRV, svc) : z.nxdomain();
  const ports = portsOf(z, svc).filter((p) => portName === null || (p.name !== '' && p.name.toLowerCase() === portName && p.protocol === proto));
  // (target, port) -> its entry, in first-seen order (Map keeps insertion order).
  const byTargetPort = new Map<string, { target: string; port: number; ip: string[] }>();
  const push = (target: string, port: number, ips: string[]) => {
    const k = `${target}|${port}`;
    const had = byTargetPort.get(k);
    if (had !== undefined) had.ip.push(...ips);
    else byTargetPort.set(k, { target, port, ip: [...ips] });
  };
  if (svc.kind === 'Headless') {
    const eps = servedEndpoints(z, svc);
    if (eps.length === 0 && portName === null) return z.nxdomain();
    for (const e of eps) {
      const target = `${endpointName(z, e)}.${serviceFqdn(z, svc)}`;
      for (const p of ports) push(target, p.port, [e.address]);
    }
  } else {
    // --ignore-empty-service: the Service does not exist for SRV either.
    if (z.opts.ignoreEmptyService && servedEndpoints(z, svc).length === 0) return z.nxdomain();
    for (const p of ports) push(serviceFqdn(z, svc), p.port, svc.clusterIPs);
  }
  const entries = [...byTargetPort.values()];
  if (entries.length === 0) return portName === null ? z.nodata() : z.nxdomain();
  const weight = Math.max(1, Math.floor(100 / entries.length));
  const answers: Record[] = entries.map((e) => ({ name, type: 'SRV', ttl: z.ttl, data: { priority: 0, weight, port: e.port, target: e.target } }));
  const glue: Record[] = [];
  const glued = new Set<string>();
  for (const e of entries) {
    for (const ip of e.ip) {
      const k = `${e.target}|${ip}`;
      if (glued.has(k)) continue;
      glued.add(k);
      glue.push(z.address(e.target, ip));
    }
  }
  return z.positive(answers, glue);
}
