import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { MetricsService } from './metrics.service';

export interface MetricsServerOptions {
  host: string;
  port: number;
  /** When set, `Authorization: Bearer <token>` is required (RFC 6750). */
  token?: string;
}

/**
 * `/metrics` on its own plain node:http listener, bound to an internal interface and apart from
 * the public API port: the public app has no /metrics route at all, so no guard, proxy rule or
 * route order can expose it by mistake. It answers GET /metrics only; optionally it also
 * requires a bearer token (defence in depth when the interface is a shared container network).
 */
export class MetricsServer {
  private server?: Server;
  private readonly tokenDigest?: Buffer;

  constructor(
    private readonly metrics: MetricsService,
    private readonly options: MetricsServerOptions,
  ) {
    this.tokenDigest = options.token ? sha256(options.token) : undefined;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('error\n');
      });
    });
    // A scrape is small and fast; bound what a slow or hostile client can hold open.
    server.requestTimeout = 10_000;
    server.headersTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  /** The bound address (the real port when configured with 0). */
  address(): { host: string; port: number } {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('metrics server is not listening');
    return { host: address.address, port: address.port };
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end();
      return;
    }
    if (this.tokenDigest && !this.authorized(req.headers.authorization)) {
      res
        .writeHead(401, {
          'www-authenticate': 'Bearer realm="metrics"',
          'content-type': 'text/plain',
        })
        .end('unauthorized\n');
      return;
    }
    const { contentType, body } = await this.metrics.exposition();
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  /** Constant-time comparison of digests (equal lengths), so timing reveals nothing of the token. */
  private authorized(header: string | undefined): boolean {
    const match = /^Bearer ([^\s]+)$/.exec(header ?? '');
    if (!match || !this.tokenDigest) return false;
    return timingSafeEqual(sha256(match[1]), this.tokenDigest);
  }
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
