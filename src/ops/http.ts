// The operations endpoints (SPEC §5): /health (:8080), /ready (:8181), /metrics (:9153).
// Each is its own tiny HTTP server so that each can be bound or turned off on its own, as
// CoreDNS's health, ready and prometheus plugins are.
import http from 'node:http';
import type { HostPort } from '../config/options';

export type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

export class OpsServer {
  private readonly server: http.Server;
  port = 0;

  constructor(
    private readonly addr: HostPort,
    routes: Record<string, Route>,
  ) {
    this.server = http.createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const route = routes[path];
      if (!route || (req.method !== 'GET' && req.method !== 'HEAD')) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      Promise.resolve(route(req, res)).catch((e) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`error: ${(e as Error).message}\n`);
      });
    });
    // Probes are short; do not let a slow client hold the socket.
    this.server.keepAliveTimeout = 5000;
    this.server.headersTimeout = 5000;
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.addr.port, this.addr.host, () => {
        this.server.off('error', reject);
        this.port = (this.server.address() as { port: number }).port;
        resolve(this.port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

export function text(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
}
