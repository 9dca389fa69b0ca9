import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { messageOf, UserError } from '@blog-data/cli-kit';
import type Docker from 'dockerode';

/** Platform of an image in the local engine. */
export interface LocalImageInfo {
  readonly id: string;
  readonly os: string;
  readonly architecture: string;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * A client for the engine `DOCKER_HOST` names in `env`, else the default local
 * socket (unix:///var/run/docker.sock).
 */
export function engineClient(env: NodeJS.ProcessEnv = process.env): Docker {
  // Loaded on first use: a no-op publish never talks to the engine, and dockerode's module graph
  // is a good part of the CLI's start-up time.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Docker = require('dockerode') as typeof import('dockerode');
  const host = env.DOCKER_HOST?.trim();
  // TLS engines: docker-modem reads DOCKER_TLS_VERIFY/DOCKER_CERT_PATH itself, from process.env.
  if (!host || env.DOCKER_TLS_VERIFY || env === process.env) return new Docker();
  if (host.startsWith('unix://')) return new Docker({ socketPath: host.slice('unix://'.length) });
  const tcp = /^tcp:\/\/([^:/]+):(\d+)\/?$/.exec(host);
  if (tcp) return new Docker({ host: tcp[1], port: Number(tcp[2]), protocol: 'http' });
  return new Docker();
}

/**
 * Where the client connects, as the user would write it in DOCKER_HOST. Without DOCKER_HOST,
 * docker-modem's `socketPath` is a function that looks for `~/.docker/run/docker.sock`, else
 * `/var/run/docker.sock` (modem.js `findDefaultUnixSocket`): name the socket it picks, never the
 * function.
 */
export function describeEngine(docker: Docker): string {
  const modem = docker.modem as unknown as {
    socketPath?: unknown; socketPathCache?: unknown; host?: string; port?: number | string; protocol?: string;
  };
  if (modem.socketPath) {
    // The cache holds what the function returned: a Promise for the default lookup.
    const cached = typeof modem.socketPathCache === 'string' ? modem.socketPathCache : undefined;
    const socket = typeof modem.socketPath === 'string' ? modem.socketPath : (cached ?? defaultUnixSocket());
    return `unix://${socket}`;
  }
  return `${modem.protocol === 'https' ? 'https' : 'tcp'}://${modem.host}:${modem.port}`;
}

/** docker-modem's default socket: the user's Docker Desktop socket when it exists, else the system one. */
function defaultUnixSocket(): string {
  const user = path.join(os.homedir(), '.docker', 'run', 'docker.sock');
  return existsSync(user) ? user : '/var/run/docker.sock';
}

/** Checks the engine answers; fails with the socket it tried and what to do. */
export async function pingEngine(docker: Docker): Promise<void> {
  try {
    await docker.ping();
  } catch (err) {
    throw engineRequestError(err, 'ping', describeEngine(docker));
  }
}

/** The platform and labels of a local image. */
export async function inspectLocalImage(docker: Docker, id: string): Promise<LocalImageInfo> {
  try {
    const info = await docker.getImage(id).inspect();
    return { id: info.Id, os: info.Os, architecture: info.Architecture, labels: info.Config?.Labels ?? {} };
  } catch (err) {
    throw engineRequestError(err, `inspect image ${id}`, describeEngine(docker));
  }
}

/**
 * Maps a failed Engine API request to a one-line error: connection problems
 * name the socket/DOCKER_HOST, API errors carry the engine's message.
 */
export function engineRequestError(err: unknown, operation: string, engine: string, where?: string): UserError {
  const code = (err as { code?: string }).code;
  if (code && ['ENOENT', 'ECONNREFUSED', 'EACCES', 'ECONNRESET', 'EHOSTUNREACH', 'ETIMEDOUT', 'ENOTFOUND'].includes(code)) {
    const fix = code === 'EACCES'
      ? 'this user may not use the socket; add it to the docker group or point DOCKER_HOST at an engine it may use'
      : 'start the Docker engine, or set DOCKER_HOST to the one to use (e.g. unix:///var/run/docker.sock)';
    return new UserError(`no Docker engine reachable (${code})`, `DOCKER_HOST=${engine}`, fix, { kind: 'engine-unreachable' });
  }
  const status = (err as { statusCode?: number }).statusCode;
  const json = (err as { json?: { message?: string } }).json;
  const message = json?.message ?? messageOf(err);
  if (operation === 'build' && /Cannot locate specified Dockerfile|Dockerfile.*(not found|no such file)/i.test(message)) {
    return new UserError('Dockerfile missing', where ?? engine, 'check --image and the Dockerfile name', { kind: 'dockerfile-missing' });
  }
  return new UserError(`engine refused ${operation}${status ? ` (HTTP ${status})` : ''}: ${message.trim()}`,
    where ?? engine, 'run again with --verbose; check the engine log', { kind: 'failure' });
}
