// The file patterns of `import` (coredns-import(7)): `*`, `?` and `[...]` within one path
// segment, as Go's filepath.Glob, which CoreDNS uses. Matches are sorted, so several imported
// files always splice in the same order. Directories and Kubernetes' ConfigMap internals
// (`..data`, `..2024_01_01...`) are left out: a ConfigMap mounted at /etc/coredns/custom holds
// them beside the keys, and `import custom/*` must mean the keys.
import fs from 'node:fs';
import path from 'node:path';

export function hasMagic(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/** Files matching an absolute pattern, sorted. */
export function glob(pattern: string): string[] {
  const root = path.parse(pattern).root;
  const parts = pattern.slice(root.length).split(path.sep).filter((p) => p !== '');
  let dirs = [root];
  for (let i = 0; i < parts.length; i++) {
    const last = i === parts.length - 1;
    const part = parts[i];
    const next: string[] = [];
    for (const dir of dirs) {
      if (!hasMagic(part)) {
        next.push(path.join(dir, part));
        continue;
      }
      const re = segmentRegex(part);
      let names: string[];
      try {
        names = fs.readdirSync(dir);
      } catch {
        continue;
      }
      for (const n of names.sort()) if (re.test(n) && !n.startsWith('..')) next.push(path.join(dir, n));
    }
    dirs = last ? next : next.filter(isDir);
  }
  return dirs.filter((f) => {
    try {
      return fs.statSync(f).isFile();
    } catch {
      return false;
    }
  });
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function segmentRegex(part: string): RegExp {
  let re = '';
  for (let i = 0; i < part.length; i++) {
    const ch = part[i];
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const end = part.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let cls = part.slice(i + 1, end).replace(/\\/g, '\\\\');
      if (cls.startsWith('^') || cls.startsWith('!')) cls = '^' + cls.slice(1);
      re += `[${cls}]`;
      i = end;
    } else re += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
