// The operations endpoints (SPEC §5): /health (:8080), /ready (:8181), /metrics (:9153).
// Each is its own tiny HTTP server so that each can be bound or turned off on its own, as
// CoreDNS's health, ready and prometheus plugins are; endpoints given the same address share
// one (startOps). Only GET and HEAD; anything else, or another path, is 404.
import http from 'node:http';
import type { HostPort } from '../config/options';

export type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

export class OpsServer {
  private readonly server: http.Server;
  private readonly paths: string;
  port = 0;

  constructor(
    private readonly addr: HostPort,
    routes: Record<string, Route>,
  ) {
    this.paths = Object.keys(routes).join(', ');
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
      this.server.once('error', (e: NodeJS.ErrnoException) => {
        const err = new Error(`CDNS_OPS_LISTEN: cannot listen on ${this.addr.host}:${this.addr.port} for ${this.paths}: ${e.code ?? e.message}`) as Error & { code: string };
        err.code = 'CDNS_OPS_LISTEN';
        reject(err);
      });
      this.server.listen(this.addr.port, this.addr.host, () => {
        this.server.removeAllListeners('error');
        // After bind, a failing connection must not take the process down.
        this.server.on('error', () => undefined);
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

/**
 * One server per distinct address: `--health` and `--ready` may name the same host:port, and
 * then both paths are served there (two servers on one port would fail with EADDRINUSE).
 * Resolves with the servers and the bound port of each path; a failure closes what started.
 */
export async function startOps(endpoints: { addr: HostPort | null; path: string; route: Route }[]): Promise<{ servers: OpsServer[]; ports: Record<string, number> }> {
  const groups = new Map<string, { addr: HostPort; routes: Record<string, Route> }>();
  for (const e of endpoints) {
    if (e.addr === null) continue;
    const key = `${e.addr.host}|${e.addr.port}`;
    // Port 0 (tests) asks for a fresh port per endpoint: never shared.
    const k = e.addr.port === 0 ? `${key}|${e.path}` : key;
    const g = groups.get(k) ?? { addr: e.addr, routes: {} };
    g.routes[e.path] = e.route;
    groups.set(k, g);
  }
  const servers: OpsServer[] = [];
  const ports: Record<string, number> = {};
  try {
    for (const g of groups.values()) {
      const s = new OpsServer(g.addr, g.routes);
      const port = await s.listen();
      servers.push(s);
      for (const path of Object.keys(g.routes)) ports[path] = port;
    }
  } catch (e) {
    await Promise.all(servers.map((s) => s.close()));
    throw e;
  }
  return { servers, ports };
}
