// The little of the wire format the forwarder needs: where the question ends, whether a reply's
// question is the one we sent, and the two queries we originate ourselves (health and loop
// probes). Replies are never decoded: they go back to the caller as the upstream sent them.

import { FLAG, HEADER_LEN } from '../dns/constants';

/** Offset just past QTYPE/QCLASS of the only question, or -1 (RFC 1035 §4.1.2). */
export function questionEnd(msg: Buffer, len: number): number {
  if (len < HEADER_LEN + 5) return -1;
  // Exactly one question: that is what every resolver sends, and what we can check a reply against.
  if (msg[4] !== 0 || msg[5] !== 1) return -1;
  let i = HEADER_LEN;
  for (;;) {
    if (i >= len) return -1;
    const l = msg[i];
    if (l === 0) break;
    // A compression pointer (0xC0) or the reserved label types: a question is the first name of
    // the message, so nothing earlier exists to point at (RFC 1035 §4.1.4).
    if (l > 63) return -1;
    i += l + 1;
  }
  i += 5; // root label + QTYPE + QCLASS
  return i <= len ? i : -1;
}

/**
 * The reply's question equals the one sent: name compared case-insensitively (RFC 4343; clients
 * randomise case, RFC draft "0x20"), type and class exactly. `sent[12..qEnd)` is our question.
 * A reply without exactly one question does not match: CoreDNS's `Request.Match` agrees.
 */
export function sameQuestion(reply: Buffer, sent: Buffer, qEnd: number): boolean {
  if (reply.length < qEnd || reply[4] !== 0 || reply[5] !== 1) return false;
  const nameEnd = qEnd - 4;
  for (let i = HEADER_LEN; i < nameEnd; i++) {
    let a = reply[i];
    let b = sent[i];
    if (a === b) continue;
    // Fold A-Z only. Length bytes are 0..63 and never in that range, so folding every byte of
    // the name compares labels as RFC 4343 wants without walking them.
    if (a >= 0x41 && a <= 0x5a) a |= 0x20;
    if (b >= 0x41 && b <= 0x5a) b |= 0x20;
    if (a !== b) return false;
  }
  return reply.readUInt32BE(nameEnd) === sent.readUInt32BE(nameEnd);
}

export function isResponse(msg: Buffer): boolean {
  return (msg.readUInt16BE(2) & FLAG.QR) !== 0;
}

export function isTruncated(msg: Buffer): boolean {
  return (msg.readUInt16BE(2) & FLAG.TC) !== 0;
}

export function rcodeOf(msg: Buffer): number {
  return msg[3] & 0x0f;
}

/**
 * A recursive query (RD set) for `name` without its trailing dot (`''` is the root), class IN.
 * Used for the health probe `. IN NS` (as CoreDNS's forward plugin) and for the loop probe.
 */
export function buildQuery(name: string, qtype: number): Buffer {
  const labels = name === '' ? [] : name.split('.');
  let nameLen = 1;
  for (const l of labels) nameLen += 1 + Buffer.byteLength(l);
  const buf = Buffer.alloc(HEADER_LEN + nameLen + 4);
  buf.writeUInt16BE(FLAG.RD, 2);
  buf.writeUInt16BE(1, 4); // QDCOUNT
  let i = HEADER_LEN;
  for (const l of labels) {
    buf[i] = Buffer.byteLength(l);
    i += 1 + buf.write(l, i + 1, 'latin1');
  }
  buf[i++] = 0;
  buf.writeUInt16BE(qtype, i);
  buf.writeUInt16BE(1, i + 2); // IN
  return buf;
}
