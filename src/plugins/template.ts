// CoreDNS `template`: answers made from Go templates of RR text.
//   template CLASS TYPE [ZONES...] { match REGEX...; answer RR; additional RR; authority RR;
//                                    rcode CODE; fallthrough [ZONES] }
// Rules (CoreDNS plugin/template): a name outside the zones, or of another class or type, passes
// on; inside, the first regex that matches the name (with its trailing dot) answers with the
// rendered records and the rcode, authoritative; no regex matching is SERVFAIL unless
// `fallthrough` covers the name. Regexes and templates compile here, once; a record text with
// no fields is parsed here too, so a typo in it fails at start, not at the first query.
import type { AnswerSet, Record } from '../dns/records';
import { ZoneFileError } from '../zonefile/errors';
import { parseZoneFile } from '../zonefile/parse';
import { servfail, SILENT, type PluginLog } from './answers';
import { pluginError } from './errors';
import { compileGoTemplate, TemplateSyntaxError, type CompiledTemplate, type TemplateData } from './gotemplate';
import { compileRe2 } from './re2';
import type { AnswerLink, QueryInfo, TemplateConfig } from './types';
import { fallsThrough, fqdn, zoneOf } from './zones';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dnsTypes = require('dns-packet/types') as { toString(n: number): string };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dnsClasses = require('dns-packet/classes') as { toString(n: number): string };

const ANY = 255;
/** miekg/dns NewRR's TTL for a record text without one. */
const DEFAULT_TTL = 3600;

type Section = 'answer' | 'additional' | 'authority';

interface RrTemplate {
  section: Section;
  text: string;
  tpl: CompiledTemplate;
  /** Parsed once when the template reads no field. */
  fixed: Record | null;
}

export class TemplateLink implements AnswerLink {
  readonly plugin = 'template';
  readonly memoizable: boolean;
  private readonly regexes: RegExp[];
  private readonly rrs: RrTemplate[];
  private readonly zones: string[];
  private failedOnce = false;

  constructor(
    private readonly config: TemplateConfig,
    private readonly log: PluginLog = SILENT,
  ) {
    this.zones = config.zones.length === 0 ? [''] : config.zones;
    this.regexes = (config.match.length === 0 ? ['.*'] : config.match).map((m) => compileRe2(m, config.origin, 'template'));
    const sections: [Section, string[]][] = [['answer', config.answer], ['additional', config.additional], ['authority', config.authority]];
    this.rrs = sections.flatMap(([section, texts]) => texts.map((text) => this.compileRr(section, text)));
    this.memoizable = !this.rrs.some((r) => r.tpl.readsRemote);
  }

  version(): number {
    return 1;
  }

  answer(q: QueryInfo): AnswerSet | null {
    const zone = zoneOf(this.zones, q.name);
    if (zone === null) return null;
    const c = this.config;
    if (c.qclass !== null && q.qclass !== ANY && q.qclass !== c.qclass) return null;
    if (c.qtype !== null && q.qtype !== ANY && q.qtype !== c.qtype) return null;
    const name = fqdn(q.name);
    for (const re of this.regexes) {
      const m = re.exec(name);
      if (m === null) continue;
      const group: { [k: string]: string } = {};
      m.forEach((g, i) => (group[String(i)] = g ?? ''));
      if (m.groups) for (const [k, v] of Object.entries(m.groups)) group[k] = v ?? '';
      const data: TemplateData = {
        name,
        zone: fqdn(zone),
        class: dnsClasses.toString(q.qclass),
        type: dnsTypes.toString(q.qtype),
        remote: q.remoteAddress,
        match: Array.from(m, (g) => g ?? ''),
        group,
      };
      return this.render(data);
    }
    return fallsThrough(c.fallthrough, q.name) ? null : servfail();
  }

  private render(d: TemplateData): AnswerSet {
    const set: AnswerSet = { rcode: this.config.rcode, authoritative: true, answers: [], authority: [], additional: [] };
    for (const rr of this.rrs) {
      let rec = rr.fixed;
      if (rec === null) {
        const text = rr.tpl.render(d);
        try {
          rec = parseRr(text);
        } catch (e) {
          // A rendered text that is no record (a group that matched nothing, say) fails this
          // query as CoreDNS does; logged once, not per query.
          if (!this.failedOnce) this.log.warn(`template: ${this.config.origin}: ${rr.section} ${JSON.stringify(text)} is not a record: ${(e as Error).message}`);
          this.failedOnce = true;
          return servfail();
        }
      }
      (rr.section === 'answer' ? set.answers : rr.section === 'authority' ? set.authority : set.additional).push(rec);
    }
    return set;
  }

  private compileRr(section: Section, text: string): RrTemplate {
    const where = (why: string) => pluginError('CDNS_PLUGIN_TEMPLATE', this.config.origin, 'template', `${section} ${JSON.stringify(text)}: ${why}`);
    let tpl: CompiledTemplate;
    try {
      tpl = compileGoTemplate(text);
    } catch (e) {
      if (e instanceof TemplateSyntaxError) throw where(e.message);
      throw e;
    }
    let fixed: Record | null = null;
    if (tpl.constant) {
      try {
        fixed = parseRr(tpl.render({ name: '', zone: '', class: '', type: '', remote: '', match: [], group: {} }));
      } catch (e) {
        throw where(`expected one resource record (RFC 1035 text): ${(e as Error).message}`);
      }
    }
    return { section, text, tpl, fixed };
  }
}

/** One record from RR text (owner, [TTL], [class], type, data), as miekg/dns NewRR reads it. */
function parseRr(text: string): Record {
  let parsed;
  try {
    parsed = parseZoneFile(`$TTL ${DEFAULT_TTL}\n${text}\n`, 'template', '.');
  } catch (e) {
    // Drop the zone-file code and place: the caller says where the text came from.
    throw new Error(e instanceof ZoneFileError ? e.message.replace(/^CDNS_ZONEFILE_[A-Z]+: template:\d+: /, '') : String(e));
  }
  if (parsed.records.length !== 1) throw new Error(`expected one record, got ${parsed.records.length}`);
  const r = parsed.records[0];
  return { name: r.name, type: r.type, ttl: r.ttl, data: r.data };
}

/** One `template` directive's link. Throws CDNS_PLUGIN_REGEX / CDNS_PLUGIN_TEMPLATE naming config.origin. */
export function createTemplate(config: TemplateConfig, log?: PluginLog): TemplateLink {
  return new TemplateLink(config, log);
}

/**
 * A block's templates as one link, tried in the order written: the first that does not pass
 * the query on answers (CoreDNS keeps them in one plugin instance the same way).
 */
export function createTemplates(configs: readonly TemplateConfig[], log?: PluginLog): AnswerLink {
  const links = configs.map((c) => createTemplate(c, log));
  return {
    plugin: 'template',
    memoizable: links.every((l) => l.memoizable),
    version: () => 1,
    answer(q) {
      for (const l of links) {
        const a = l.answer(q);
        if (a !== null) return a;
      }
      return null;
    },
  };
}
