import { createHash } from 'node:crypto';
import { createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a registry received: completed blob uploads and manifest PUTs. */
export interface Uploads {
  /** Digests of blobs whose upload completed (`PUT …/blobs/uploads/…?digest=`). */
  readonly blobs: string[];
  /** Bytes sent in blob uploads. */
  bytes: number;
  /** sha256 of each manifest body PUT (a tag copy PUTs the same bytes again). */
  readonly manifests: string[];
}

/**
 * A pass-through proxy in front of the registry that records what is
 * uploaded through the Registry API, so the benchmark counts blobs and
 * manifests from the protocol itself rather than from progress output.
 */
export class UploadCounter {
  private server?: Server;
  private current: Uploads = { blobs: [], bytes: 0, manifests: [] };

  constructor(private readonly upstream: { host: string; port: number }) {}

  /** `127.0.0.1:<port>` to use as the registry. */
  async start(): Promise<string> {
    this.server = createServer((req, res) => this.forward(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Starts a new count and returns the previous one. */
  take(): Uploads {
    const done = this.current;
    this.current = { blobs: [], bytes: 0, manifests: [] };
    return done;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const isBlobUpload = /\/blobs\/uploads\//.test(url.pathname) && (req.method === 'PATCH' || req.method === 'PUT');
    const isManifestPut = req.method === 'PUT' && /\/manifests\/[^/]+$/.test(url.pathname);
    const manifestHash = createHash('sha256');
    const uploads = this.current;
    const upstream = request({
      host: this.upstream.host,
      port: this.upstream.port,
      method: req.method,
      path: req.url,
      // The Host header is kept: the registry builds its upload Location URLs from it, and those
      // must point back at this proxy (the engine only sends credentials to the host it logged in to).
      headers: req.headers,
    }, (answer) => {
      if ((answer.statusCode ?? 500) < 300) {
        const digest = url.searchParams.get('digest');
        if (req.method === 'PUT' && digest && /\/blobs\/uploads\//.test(url.pathname)) uploads.blobs.push(digest);
        if (isManifestPut) uploads.manifests.push(`sha256:${manifestHash.digest('hex')}`);
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.on('data', (chunk: Buffer) => {
      if (isBlobUpload) uploads.bytes += chunk.length;
      if (isManifestPut) manifestHash.update(chunk);
    });
    req.pipe(upstream);
  }
}
