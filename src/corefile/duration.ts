// Go's time.ParseDuration, which CoreDNS uses for every DURATION (`5s`, `300ms`, `1.5h`,
// `2h45m`): a sequence of decimal numbers each with a unit ns, us, µs, ms, s, m, h; `0` alone
// needs no unit. Returns milliseconds, or null when the text is not a duration.
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string): number | null {
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let pos = 0;
  let total = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (m === null) return null;
    total += Number(m[1]) * UNIT_MS[m[2]];
    pos = re.lastIndex;
  }
  return pos === 0 ? null : Math.round(total);
}
