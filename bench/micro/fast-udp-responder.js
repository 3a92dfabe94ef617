// A minimal responder for bench/micro/fast-udp.sh: the same handler (echo the query with QR set,
// no answers, like ../shared/bench/node_echo.js) behind each transport, so the figures compare
// the UDP paths and nothing else.
//
//   node bench/micro/fast-udp-responder.js dgram|native PORT [HOST]
//
// dgram = src/server/udp.ts (UdpListener), native = src/server/fast-udp.ts (FastUdpListener),
// both from dist/ (npm run build). Prints "ready <port>" and serves until SIGTERM/SIGINT.
'use strict';
const path = require('node:path');

const [mode, portArg, host = '127.0.0.1'] = process.argv.slice(2);
const dist = path.join(__dirname, '../../dist/server');
const handler = {
  // QueryHandler's shape: handle(msg, proto, family, started) -> Buffer | Promise | null.
  handle(msg) {
    if (msg.length < 12) return null;
    msg[2] |= 0x80;
    msg[3] &= 0xf0;
    msg[6] = 0; msg[7] = 0; msg[8] = 0; msg[9] = 0;
    return msg;
  },
};
const onError = (e) => process.stderr.write(`socket error: ${e.message}\n`);

let listener;
if (mode === 'dgram') {
  const { UdpListener } = require(path.join(dist, 'udp.js'));
  listener = new UdpListener({ host, port: Number(portArg) }, handler, onError);
} else if (mode === 'native') {
  const fast = require(path.join(dist, 'fast-udp.js'));
  if (!fast.nativeUdpAvailable()) {
    process.stderr.write(`${fast.nativeUdpUnavailableReason()}\n`);
    process.exit(2);
  }
  listener = new fast.FastUdpListener({ host, port: Number(portArg) }, handler, onError);
} else {
  process.stderr.write('usage: fast-udp-responder.js dgram|native PORT [HOST]\n');
  process.exit(2);
}
listener.listen().then((p) => process.stdout.write(`ready ${p}\n`), (e) => {
  process.stderr.write(`listen failed: ${e.message}\n`);
  process.exit(1);
});
const stop = () => {
  if (listener.counters) process.stdout.write(`counters ${JSON.stringify(listener.counters())}\n`);
  listener.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
