// One DNS exchange over TCP (RFC 7766 §8: each message preceded by a two-byte length). Only
// used to repeat a truncated UDP answer, which is rare, so one connection per exchange and
// plain allocation are fine here; connection reuse (RFC 7766 §6.2.1) is left out on purpose.

import net from 'node:net';
import type { FailReason } from './flight';
import type { Upstream } from './upstream';

export interface TcpHandlers {
  /** Each framed message; return true when done with the connection. */
  message(sock: net.Socket, msg: Buffer): boolean;
  failed(sock: net.Socket, reason: FailReason): void;
}

export function openTcp(up: Upstream, query: Buffer, len: number, h: TcpHandlers): net.Socket {
  const frame = Buffer.allocUnsafe(2 + len);
  frame.writeUInt16BE(len, 0);
  query.copy(frame, 2, 0, len);

  const sock = net.connect({ host: up.host, port: up.port, noDelay: true });
  let acc: Buffer | null = null;
  sock.on('data', (chunk: Buffer) => {
    acc = acc === null ? chunk : Buffer.concat([acc, chunk]);
    while (acc.length >= 2) {
      const n = acc.readUInt16BE(0);
      if (acc.length < 2 + n) return;
      // Copy: a view would pin the whole read buffer for as long as the cache keeps the answer.
      const msg = Buffer.from(acc.subarray(2, 2 + n));
      acc = acc.subarray(2 + n);
      if (h.message(sock, msg)) return;
    }
  });
  sock.on('error', (err: NodeJS.ErrnoException) => h.failed(sock, err.code === 'ECONNREFUSED' ? 'refused' : 'error'));
  // Closed before a whole answer arrived (after an answer the caller has already moved on).
  sock.on('close', () => h.failed(sock, 'error'));
  sock.write(frame);
  return sock;
}
