// ZoneFileSource against real files in a temp dir: reload on change, last good zone kept on a
// broken file (reported once), a ConfigMap-style symlink swap seen, duplicate origins refused.
import { mkdtempSync, rmSync, writeFileSync, symlinkSync, mkdirSync, renameSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RCODE, TYPE } from '../../src/dns/constants';
import { ZoneFileError } from '../../src/zonefile/errors';
import { ZoneFileSource } from '../../src/zonefile/source';

const zoneText = (origin: string, addr: string, serial = 1): string =>
  `$ORIGIN ${origin}.\n$TTL 60\n@ SOA ns hm ${serial} 2 3 4 5\n NS ns\nns A 192.0.2.1\nwww A ${addr}\n`;

/** Records the callbacks and lets a test wait for the next one, failing after `ms`. */
class Events {
  changes = 0;
  errors: Error[] = [];
  private waiter: (() => void) | null = null;
  readonly cb = {
    onChange: (): void => {
      this.changes++;
      this.wake();
    },
    onError: (e: Error): void => {
      this.errors.push(e);
      this.wake();
    },
  };
  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }
  next(ms = 3000): Promise<void> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no zone file event within ${ms} ms`)), ms);
      this.waiter = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cdns-zonefile-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function wwwOf(src: ZoneFileSource, origin: string): string {
  const zone = src.find(`www.${origin}`);
  if (zone === null) throw new Error(`no zone for www.${origin}`);
  return zone.lookup(`www.${origin}`, TYPE.A).answers[0].data as string;
}

test('good -> broken keeps the old zone and reports -> fixed reloads', async () => {
  const file = join(dir, 'r.test.zone');
  writeFileSync(file, zoneText('r.test', '192.0.2.10'));
  const ev = new Events();
  const src = new ZoneFileSource([file], ev.cb, { debounceMs: 30 });
  try {
    expect(wwwOf(src, 'r.test')).toBe('192.0.2.10');

    writeFileSync(file, zoneText('r.test', '192.0.2.11', 2));
    await ev.next();
    expect(ev.changes).toBe(1);
    expect(wwwOf(src, 'r.test')).toBe('192.0.2.11');

    writeFileSync(file, zoneText('r.test', '192.0.2.11', 3) + 'bad A 192.0.2.999\n');
    await ev.next();
    expect(ev.errors).toHaveLength(1);
    expect(ev.errors[0]).toBeInstanceOf(ZoneFileError);
    expect(ev.errors[0].message).toBe(`CDNS_ZONEFILE_SYNTAX: ${file}:7: A record: expected an IPv4 address such as 192.0.2.1 (got '192.0.2.999')`);
    expect(ev.changes).toBe(1);
    expect(wwwOf(src, 'r.test')).toBe('192.0.2.11');
    expect(src.zones()[0].serial).toBe(2);

    // The same broken text again (an editor's second write) is not reported twice.
    src.reload();
    expect(ev.errors).toHaveLength(1);

    writeFileSync(file, zoneText('r.test', '192.0.2.12', 4));
    await ev.next();
    expect(ev.changes).toBe(2);
    expect(ev.errors).toHaveLength(1);
    expect(wwwOf(src, 'r.test')).toBe('192.0.2.12');
    expect(src.zones()[0].serial).toBe(4);
  } finally {
    src.close();
  }
});

test('a ConfigMap-style symlink swap is seen', async () => {
  // kubelet's layout: name -> ..data/name, ..data -> ..<timestamp>/, swapped by rename(2).
  mkdirSync(join(dir, '..v1'));
  writeFileSync(join(dir, '..v1', 'cm.test.zone'), zoneText('cm.test', '192.0.2.20'));
  symlinkSync('..v1', join(dir, '..data'));
  symlinkSync(join('..data', 'cm.test.zone'), join(dir, 'cm.test.zone'));
  const ev = new Events();
  const src = new ZoneFileSource([join(dir, 'cm.test.zone')], ev.cb, { debounceMs: 30 });
  try {
    expect(wwwOf(src, 'cm.test')).toBe('192.0.2.20');
    mkdirSync(join(dir, '..v2'));
    writeFileSync(join(dir, '..v2', 'cm.test.zone'), zoneText('cm.test', '192.0.2.21', 2));
    symlinkSync('..v2', join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    await ev.next();
    expect(ev.errors).toEqual([]);
    expect(wwwOf(src, 'cm.test')).toBe('192.0.2.21');
  } finally {
    src.close();
  }
});

test('a deleted file is reported and its zone kept; an unchanged rewrite reloads nothing', async () => {
  const file = join(dir, 'd.test.zone');
  writeFileSync(file, zoneText('d.test', '192.0.2.30'));
  const ev = new Events();
  const src = new ZoneFileSource([file], ev.cb, { debounceMs: 30 });
  try {
    unlinkSync(file);
    await ev.next();
    expect(ev.errors.map((e) => (e as ZoneFileError).code)).toEqual(['CDNS_ZONEFILE_READ']);
    expect(ev.errors[0].message).toContain(file);
    expect(wwwOf(src, 'd.test')).toBe('192.0.2.30');

    writeFileSync(file, zoneText('d.test', '192.0.2.30'));
    await sleep(300); // same text as the loaded zone: nothing to report
    expect(ev.changes).toBe(0);
    expect(ev.errors).toHaveLength(1);
    expect(wwwOf(src, 'd.test')).toBe('192.0.2.30');
  } finally {
    src.close();
  }
});

test('find picks the longest origin; other names get null', () => {
  writeFileSync(join(dir, 'a.zone'), zoneText('p.test', '192.0.2.40') + 'sub NS ns.sub\nns.sub A 192.0.2.2\n');
  writeFileSync(join(dir, 'b.zone'), zoneText('sub.p.test', '192.0.2.41'));
  const ev = new Events();
  const src = new ZoneFileSource([join(dir, 'a.zone'), join(dir, 'b.zone')], ev.cb);
  try {
    expect(src.zones().map((z) => z.origin)).toEqual(['sub.p.test', 'p.test']);
    expect(src.find('www.sub.p.test')?.origin).toBe('sub.p.test');
    expect(src.find('sub.p.test')?.origin).toBe('sub.p.test');
    expect(src.find('www.p.test')?.origin).toBe('p.test');
    expect(src.find('p.test.other')).toBeNull();
    expect(src.find('nope.p.test')!.lookup('nope.p.test', TYPE.A).rcode).toBe(RCODE.NXDOMAIN);
  } finally {
    src.close();
  }
});

test('start-up errors throw: a broken file, and two files for one zone', () => {
  const bad = join(dir, 'bad.zone');
  writeFileSync(bad, '$ORIGIN x.test.\n$TTL 1\n@ CH SOA ns hm 1 2 3 4 5\n');
  expect(() => new ZoneFileSource([bad], new Events().cb)).toThrow(`CDNS_ZONEFILE_CLASS: ${bad}:3:`);
  writeFileSync(join(dir, 'one.zone'), zoneText('dup.test', '192.0.2.1'));
  writeFileSync(join(dir, 'two.zone'), zoneText('dup.test', '192.0.2.2'));
  expect(() => new ZoneFileSource([join(dir, 'one.zone'), join(dir, 'two.zone')], new Events().cb)).toThrow(
    /^CDNS_ZONEFILE_DUPLICATE: .*two\.zone: zone 'dup\.test' is already loaded from .*one\.zone/);
});

test('a reload that would duplicate another file\'s origin is refused and reported', async () => {
  writeFileSync(join(dir, 'one.zone'), zoneText('u1.test', '192.0.2.1'));
  writeFileSync(join(dir, 'two.zone'), zoneText('u2.test', '192.0.2.2'));
  const ev = new Events();
  const src = new ZoneFileSource([join(dir, 'one.zone'), join(dir, 'two.zone')], ev.cb, { debounceMs: 30 });
  try {
    writeFileSync(join(dir, 'two.zone'), zoneText('u1.test', '192.0.2.3'));
    await ev.next();
    expect(ev.errors.map((e) => (e as ZoneFileError).code)).toEqual(['CDNS_ZONEFILE_DUPLICATE']);
    expect(src.zones().map((z) => z.origin).sort()).toEqual(['u1.test', 'u2.test']);
  } finally {
    src.close();
  }
});

test('a throwing onChange is reported through onError, not thrown out of the timer', () => {
  const file = join(dir, 't.zone');
  writeFileSync(file, zoneText('t.test', '192.0.2.1'));
  const errors: Error[] = [];
  const src = new ZoneFileSource([file], {
    onChange: () => {
      throw new Error('boom');
    },
    onError: (e) => errors.push(e),
  });
  try {
    writeFileSync(file, zoneText('t.test', '192.0.2.2'));
    src.reload();
    expect(errors.map((e) => e.message)).toEqual(['boom']);
    expect(wwwOf(src, 't.test')).toBe('192.0.2.2');
  } finally {
    src.close();
  }
});

test('a directory that never goes quiet still reloads (bounded debounce)', async () => {
  const file = join(dir, 'busy.zone');
  writeFileSync(file, zoneText('busy.test', '192.0.2.1'));
  const ev = new Events();
  const src = new ZoneFileSource([file], ev.cb, { debounceMs: 40 });
  try {
    writeFileSync(file, zoneText('busy.test', '192.0.2.2'));
    // Another file changes every 15 ms for 900 ms: a plain debounce would never fire.
    for (let i = 0; i < 60 && ev.changes === 0; i++) {
      writeFileSync(join(dir, 'noise.log'), String(i));
      await sleep(15);
    }
    expect(ev.changes).toBe(1);
    expect(wwwOf(src, 'busy.test')).toBe('192.0.2.2');
  } finally {
    src.close();
  }
});
