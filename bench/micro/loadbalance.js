// buildResponse with and without the loadbalance rotation, same process, interleaved rounds:
// the per-response cost of `loadbalance` on the pre-encoded fast path (issue 9).
//   npm run build && node bench/micro/loadbalance.js [ROUNDS] [ITERATIONS]
'use strict';
const dnsPacket = require('dns-packet');
const { buildResponse, encodeAnswer } = require('../../dist/dns/encoded');

const rounds = Number(process.argv[2] ?? 5);
const iterations = Number(process.argv[3] ?? 1_000_000);

function query(name) {
  const msg = dnsPacket.encode({ type: 'query', id: 1, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: 'A', class: 'IN' }] });
  return { msg, shape: { questionEnd: msg.length, edns: false, opcode: 0, flags: msg.readUInt16BE(2) } };
}
const set = (name, n) => ({
  rcode: 0, authoritative: true, authority: [], additional: [],
  answers: Array.from({ length: n }, (_, i) => ({ name, type: 'A', ttl: 30, data: `10.244.${i + 1}.10` })),
});
const cases = [
  ['ClusterIP (1 A)', 'web.default.svc.cluster.local', 1],
  ['headless (10 A)', 'nginx.default.svc.cluster.local', 10],
];
for (const [label, name, n] of cases) {
  const { msg, shape } = query(name);
  const enc = encodeAnswer(name, set(name, n));
  const ns = { off: [], on: [] };
  for (let r = 0; r < rounds; r++) {
    for (const mode of r % 2 === 0 ? ['off', 'on'] : ['on', 'off']) {
      const shuffle = mode === 'on';
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < iterations; i++) buildResponse(msg, shape, enc, 512, 0, shuffle);
      ns[mode].push(Number(process.hrtime.bigint() - t0) / iterations);
    }
  }
  const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  console.log(`${label}: off ${med(ns.off).toFixed(1)} ns/response, on ${med(ns.on).toFixed(1)} ns/response, on/off ${(med(ns.on) / med(ns.off)).toFixed(3)}`);
}
