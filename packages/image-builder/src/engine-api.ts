import { readFileSync } from 'node:fs';
import type { ClientRequest, IncomingMessage } from 'node:http';
// https' options: http's plus the TLS ones (servername), which the TLS transport takes.
import type { RequestOptions } from 'node:https';
import { isIP } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';

/** Where the Docker engine listens, read from `DOCKER_HOST` (and the TLS variables) as the Docker CLI reads them. */
export interface EngineEndpoint {
  /** The address as a user writes it in `DOCKER_HOST` (`unix:///var/run/docker.sock`, `tcp://host:2376`). */
  readonly address: string;
  /** Unix socket path, for `unix://` addresses. */
  readonly socketPath?: string;
  readonly host?: string;
  readonly port?: number;
  /** Client certificate and CA (`DOCKER_TLS_VERIFY` + `DOCKER_CERT_PATH`), for TLS engines. */
  readonly tls?: { readonly ca: Buffer; readonly cert: Buffer; readonly key: Buffer };
}

/** The socket the Docker CLI uses when `DOCKER_HOST` is not set. */
export const DEFAULT_ENGINE_ADDRESS = 'unix:///var/run/docker.sock';

/**
 * Parses `DOCKER_HOST` like the Docker CLI: empty → the default socket; `unix://PATH`;
 * `tcp://HOST[:PORT]` (port 2375, or 2376 with TLS). `DOCKER_TLS_VERIFY` (any non-empty
 * value) switches tcp to TLS with `ca.pem`, `cert.pem`, `key.pem` from `DOCKER_CERT_PATH`
 * (default `~/.docker`). Throws an {@link EngineAddressError} naming the variable otherwise.
 */
export function engineEndpoint(env: NodeJS.ProcessEnv): EngineEndpoint {
  const address = env.DOCKER_HOST?.trim() || DEFAULT_ENGINE_ADDRESS;
  if (address.startsWith('unix://')) {
    const socketPath = address.slice('unix://'.length);
    if (!socketPath) throw new EngineAddressError(address, 'a unix address needs a socket path, e.g. unix:///var/run/docker.sock');
    return { address, socketPath };
  }
  const tcp = /^tcp:\/\/(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(address);
  if (!tcp) throw new EngineAddressError(address, 'write unix:///path/to/docker.sock or tcp://host:port');
  const tlsVerify = Boolean(env.DOCKER_TLS_VERIFY?.trim());
  const host = tcp[1].replace(/^\[|\]$/g, '');
  const port = tcp[2] ? Number(tcp[2]) : tlsVerify ? 2376 : 2375;
  if (!tlsVerify) return { address, host, port };
  const certDir = env.DOCKER_CERT_PATH?.trim() || path.join(env.HOME ?? os.homedir(), '.docker');
  const read = (name: string) => {
    try {
      return readFileSync(path.join(certDir, name));
    } catch {
      throw new EngineAddressError(address, `DOCKER_TLS_VERIFY is set but ${path.join(certDir, name)} cannot be read: set DOCKER_CERT_PATH to the directory with ca.pem, cert.pem and key.pem`);
    }
  };
  return { address, host, port, tls: { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') } };
}

/** `DOCKER_HOST` is not an address this client can use. */
export class EngineAddressError extends Error {
  constructor(readonly address: string, readonly fix: string) {
    super(`unsupported DOCKER_HOST "${address}"`);
    this.name = 'EngineAddressError';
  }
}

/** A failed Engine API request: a connection error (`code`) or an HTTP error answer (`statusCode`, engine `message`). */
export class EngineApiError extends Error {
  constructor(
    message: string,
    /** HTTP status of an error answer. */
    readonly statusCode?: number,
    /** Node's error code of a connection failure (`ENOENT`, `ECONNREFUSED`, `EACCES`, …). */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'EngineApiError';
  }
}

/** Query parameters of `POST /build` this tool sends (Engine API, classic builder). */
export interface EngineBuildParams {
  /** Dockerfile path inside the context. */
  readonly dockerfile: string;
  readonly platform: string;
  readonly buildargs: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  /** Tag the result (`repo:tag`); optional, the publish tags only after its checks. */
  readonly t?: string;
  readonly pull?: boolean;
  readonly nocache?: boolean;
}

/** Registry credentials for a push (`X-Registry-Auth`). */
export interface EngineAuthConfig {
  readonly username: string;
  readonly password: string;
  readonly serveraddress: string;
}

/** The fields of `GET /images/{name}/json` this tool reads. */
export interface EngineImageInspect {
  readonly Id: string;
  readonly Os: string;
  readonly Architecture: string;
  readonly RepoTags?: readonly string[] | null;
  readonly Config?: { readonly Labels?: Readonly<Record<string, string>> | null; readonly User?: string } | null;
}

/** One entry of `GET /images/json`. */
export interface EngineImageSummary {
  readonly Id: string;
  readonly Created: number;
  readonly RepoTags?: readonly string[] | null;
}

/** Options of one request. */
interface RequestSpec {
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** A body streamed to the engine (a build context tar). */
  readonly body?: Readable;
  readonly signal?: AbortSignal;
}

/**
 * A small typed Docker Engine API client over node:http (unix socket, tcp, or
 * tcp+TLS): exactly the calls a publish makes — ping, build with a streamed tar
 * context, push, inspect, tag, remove — plus
 * save/load/list and containers for the tests.
 * Paths are unversioned, so the engine answers with its own API version, as for
 * `curl --unix-socket`. Streamed answers (build, push, load) are returned as the
 * raw response: the caller reads every JSON line, because the engine reports
 * build and push failures inside a 200 stream.
 */
export class EngineClient {
  constructor(readonly endpoint: EngineEndpoint) {}

  /** The engine's address as `DOCKER_HOST` would say it. */
  get address(): string {
    return this.endpoint.address;
  }

  async ping(): Promise<void> {
    await this.json('GET', '/_ping', {}, false);
  }

  /** `POST /build` with the context tar streamed as the body; resolves the message stream. */
  build(context: Readable, params: EngineBuildParams, signal?: AbortSignal): Promise<IncomingMessage> {
    return this.request('POST', '/build', {
      query: {
        dockerfile: params.dockerfile,
        platform: params.platform,
        buildargs: JSON.stringify(params.buildargs),
        labels: JSON.stringify(params.labels),
        t: params.t,
        // Remove intermediate containers even when a step fails.
        rm: '1',
        forcerm: '1',
        pull: params.pull ? '1' : undefined,
        nocache: params.nocache ? '1' : undefined,
      },
      headers: { 'Content-Type': 'application/x-tar' },
      body: context,
      signal,
    });
  }

  /** `POST /images/{name}/push`; resolves the message stream. */
  push(name: string, tag: string, auth: EngineAuthConfig): Promise<IncomingMessage> {
    return this.request('POST', `/images/${pathPart(name)}/push`, {
      query: { tag },
      headers: { 'X-Registry-Auth': encodeAuth(auth) },
    });
  }

  inspectImage(name: string): Promise<EngineImageInspect> {
    return this.json('GET', `/images/${pathPart(name)}/json`) as Promise<EngineImageInspect>;
  }

  async tagImage(name: string, repo: string, tag: string): Promise<void> {
    await this.json('POST', `/images/${pathPart(name)}/tag`, { query: { repo, tag } }, false);
  }

  async removeImage(name: string, options: { force?: boolean } = {}): Promise<void> {
    await this.json('DELETE', `/images/${pathPart(name)}`, { query: { force: options.force ? '1' : undefined } }, false);
  }

  /** `GET /images/json` with the engine's filters (`{ label: ['x'] }`). */
  listImages(filters: Readonly<Record<string, readonly string[]>> = {}, all = false): Promise<EngineImageSummary[]> {
    return this.json('GET', '/images/json', { query: { filters: JSON.stringify(filters), all: all ? '1' : undefined } }) as Promise<EngineImageSummary[]>;
  }

  /** `GET /images/{name}/get`: the image as a `docker save` tar. */
  saveImage(name: string): Promise<IncomingMessage> {
    return this.request('GET', `/images/${pathPart(name)}/get`);
  }

  /** `POST /images/load` with a `docker save` tar; resolves the message stream. */
  loadImage(archive: Readable): Promise<IncomingMessage> {
    return this.request('POST', '/images/load', { headers: { 'Content-Type': 'application/x-tar' }, body: archive });
  }

  /** `POST /containers/create` (not started); resolves the container id. */
  async createContainer(image: string, cmd: readonly string[]): Promise<string> {
    const body = JSON.stringify({ Image: image, Cmd: cmd });
    const answer = await this.json('POST', '/containers/create', {
      headers: { 'Content-Type': 'application/json' },
      body: Readable.from([body]),
    }) as { Id: string };
    return answer.Id;
  }

  /** `GET /containers/{id}/archive`: a tar of one path in the container. */
  containerArchive(id: string, file: string): Promise<IncomingMessage> {
    return this.request('GET', `/containers/${pathPart(id)}/archive`, { query: { path: file } });
  }

  async removeContainer(id: string, options: { force?: boolean } = {}): Promise<void> {
    await this.json('DELETE', `/containers/${pathPart(id)}`, { query: { force: options.force ? '1' : undefined } }, false);
  }

  /** A request whose answer is read whole: JSON (or, with `parse` false, discarded). */
  private async json(method: string, pathname: string, spec: RequestSpec = {}, parse = true): Promise<unknown> {
    const response = await this.request(method, pathname, spec);
    const text = await readAll(response);
    return parse ? JSON.parse(text) as unknown : undefined;
  }

  /**
   * One request; resolves once the engine answered 2xx, rejects with an
   * {@link EngineApiError} carrying the engine's `message` otherwise. A streamed
   * body's error aborts the request with that error.
   */
  private request(method: string, pathname: string, spec: RequestSpec = {}): Promise<IncomingMessage> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(spec.query ?? {})) if (value !== undefined) query.set(key, value);
    const search = query.toString();
    const { endpoint } = this;
    const options: RequestOptions = {
      method,
      path: `${pathname}${search ? `?${search}` : ''}`,
      headers: { Host: 'docker', ...spec.headers, ...(spec.body ? { 'Transfer-Encoding': 'chunked' } : { 'Content-Length': '0' }) },
      signal: spec.signal,
      ...(endpoint.socketPath ? { socketPath: endpoint.socketPath } : { host: endpoint.host, port: endpoint.port }),
      ...(endpoint.tls ?? {}),
      // Node's agent takes the TLS server name from the Host header ('docker', which no engine
      // certificate names) unless it is given: the engine's host for TLS, none without TLS (where
      // working it out would compile Node's IPv6 pattern, ~10 ms before the first build request).
      servername: endpoint.tls ? tlsServerName(endpoint.host) : '',
    };
    // node:https only for TLS engines: the common (socket) path loads no TLS code.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const transport = (endpoint.tls ? require('node:https') : require('node:http')) as typeof import('node:http');
    return new Promise<IncomingMessage>((resolve, reject) => {
      let req: ClientRequest | undefined;
      const fail = (err: unknown) => reject(asEngineError(err, method, pathname));
      req = transport.request(options, (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          resolve(response);
          return;
        }
        // The engine answered before reading the whole body (an error about a parameter): stop sending it.
        // (destroy, not unpipe: tar-fs streams are streamx streams, which have no unpipe.)
        spec.body?.destroy();
        readAll(response).then((text) => reject(new EngineApiError(engineMessage(text, status), status)), fail);
      });
      req.on('error', fail);
      if (spec.body) {
        spec.body.on('error', (err) => req?.destroy(err));
        spec.body.pipe(req);
      } else {
        req.end();
      }
    });
  }
}

/** The server name a TLS engine is checked against: its host name; none for an IP address (then the address is checked). */
function tlsServerName(host: string | undefined): string {
  return !host || isIP(host) ? '' : host;
}

/** The engine's error message from an error answer (`{"message": "…"}`), else its text. */
function engineMessage(text: string, status: number): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // Not JSON: a proxy's page, or plain text.
  }
  return text.trim().slice(0, 300) || `HTTP ${status}`;
}

function asEngineError(err: unknown, method: string, pathname: string): EngineApiError {
  if (err instanceof EngineApiError) return err;
  const code = (err as { code?: string }).code;
  const message = err instanceof Error ? err.message : String(err);
  return new EngineApiError(`${method} ${pathname}: ${message}`, undefined, code);
}

/** An image reference in a path: escaped, but `/` and `:` stay as they are (the engine's router matches them unescaped). */
function pathPart(name: string): string {
  return encodeURIComponent(name).replace(/%2F/gi, '/').replace(/%3A/gi, ':');
}

/**
 * `X-Registry-Auth`: the JSON auth config in URL-safe base64 WITH padding, as the Docker CLI
 * sends it (Go's base64.URLEncoding); engines before 25 decode unpadded base64url to no
 * credentials at all, and the push then fails with "no basic auth credentials".
 */
export function encodeAuth(auth: EngineAuthConfig): string {
  return Buffer.from(JSON.stringify(auth)).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
