// Unpredictable 16-bit query IDs (RFC 5452 §9.2): Math.random() is xorshift128+ and can be
// recovered from a few outputs, so IDs come from the CSPRNG. One randomFillSync per 4096 IDs
// keeps the cost per query to an array read.

import { randomFillSync } from 'node:crypto';

const BATCH = 4096;
const ids = new Uint16Array(BATCH);
let next = BATCH;

export function randomId(): number {
  if (next === BATCH) {
    randomFillSync(ids);
    next = 0;
  }
  return ids[next++];
}
