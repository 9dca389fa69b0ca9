import { messageOf, usageError, UserError } from '@blog-data/cli-kit';
import { EngineAddressError, EngineApiError, EngineClient, engineEndpoint } from './engine-api';

/** Platform of an image in the local engine. */
export interface LocalImageInfo {
  readonly id: string;
  readonly os: string;
  readonly architecture: string;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * A client for the engine `DOCKER_HOST` names in `env` (with `DOCKER_TLS_VERIFY`/`DOCKER_CERT_PATH`
 * for TLS), else the default local socket (unix:///var/run/docker.sock). A `DOCKER_HOST` the
 * client cannot use is a usage error naming the variable.
 */
export function engineClient(env: NodeJS.ProcessEnv = process.env): EngineClient {
  try {
    return new EngineClient(engineEndpoint(env));
  } catch (err) {
    if (!(err instanceof EngineAddressError)) throw err;
    throw usageError(err.message, 'DOCKER_HOST', err.fix);
  }
}

/** Where the client connects, as the user would write it in DOCKER_HOST (never a function: #11). */
export function describeEngine(docker: EngineClient): string {
  return docker.address;
}

/** The platform and labels of a local image. */
export async function inspectLocalImage(docker: EngineClient, id: string): Promise<LocalImageInfo> {
  try {
    const info = await docker.inspectImage(id);
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
  // The engine's own words for its answers; messageOf would prefix the class name.
  const message = err instanceof EngineApiError ? err.message : messageOf(err);
  if (operation === 'build' && /Cannot locate specified Dockerfile|Dockerfile.*(not found|no such file)/i.test(message)) {
    return new UserError('Dockerfile missing', where ?? engine, 'check --image and the Dockerfile name', { kind: 'dockerfile-missing' });
  }
  return new UserError(`engine refused ${operation}${status ? ` (HTTP ${status})` : ''}: ${message.trim()}`,
    where ?? engine, 'run again with --verbose; check the engine log', { kind: 'failure' });
}
