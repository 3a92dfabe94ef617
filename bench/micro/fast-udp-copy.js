// What giving the handler a copy of each datagram costs over a view on the receive arena
// (src/server/fast-udp.ts copies: a forwarded query's `msg` must outlive the arena slot).
//
//   taskset -c 1 node bench/micro/fast-udp-copy.js
//
// Prints ns per datagram, best of 3 passes of 2M, for query lengths seen in the dnsperf mixes.
'use strict';
const SLOT = 4096;
const BATCH = 64;
const arena = new ArrayBuffer(SLOT * BATCH);
const u8 = new Uint8Array(arena);
for (let i = 0; i < u8.length; i++) u8[i] = i & 255;

const ways = {
  // What fast-udp.ts does.
  'copy (allocUnsafe + set)': (off, len) => {
    const m = Buffer.allocUnsafe(len);
    m.set(u8.subarray(off, off + len));
    return m;
  },
  'copy (Buffer#copy)': (off, len) => {
    const m = Buffer.allocUnsafe(len);
    Buffer.from(arena).copy(m, 0, off, off + len);
    return m;
  },
  // Unsafe for async answers; the floor.
  'view (Buffer.from(arena, off, len))': (off, len) => Buffer.from(arena, off, len),
};

let sink = 0;
for (const len of [33, 45, 60, 200]) {
  const row = [];
  for (const [name, f] of Object.entries(ways)) {
    let best = Infinity;
    for (let pass = 0; pass < 4; pass++) {
      const n = 2e6;
      const t = process.hrtime.bigint();
      for (let k = 0; k < n / BATCH; k++) for (let i = 0; i < BATCH; i++) sink += f(i * SLOT, len)[5];
      const ns = Number(process.hrtime.bigint() - t) / n;
      if (pass > 0) best = Math.min(best, ns); // pass 0 warms up the JIT
    }
    row.push(`${name} ${best.toFixed(1)}`);
  }
  console.log(`len ${len}: ${row.join(' | ')} ns`);
}
if (sink === 42) console.log('');
