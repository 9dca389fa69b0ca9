import type { Readable } from 'node:stream';
import { UserError } from '@blog-data/cli-kit';
import type { RegistryCredentials } from './ecr-auth';
import { describeEngine, engineRequestError } from './engine';
import type { EngineClient } from './engine-api';
import { EngineEvent, eventError, readEngineEvents } from './events';

/** How a push failure should be handled. */
export type PushFailureKind = 'auth' | 'expired' | 'network' | 'other';

/**
 * Classifies the engine's push error message. The engine relays the
 * registry's words: ECR says "Your authorization token has expired", a
 * registry with basic auth "no basic auth credentials" / "unauthorized",
 * network trouble "dial tcp …", "i/o timeout", "connection reset by peer"…
 */
export function classifyPushError(message: string): PushFailureKind {
  if (/token has expired|expired token|authorization token.*expired/i.test(message)) return 'expired';
  if (/unauthorized|authentication required|no basic auth credentials|denied|forbidden|\b401\b|\b403\b/i.test(message)) return 'auth';
  if (/dial tcp|connection refused|connection reset|broken pipe|i\/o timeout|timeout|TLS handshake|no such host|network is unreachable|\bEOF\b|server misbehaving|\b50[234]\b|Service Unavailable|Bad Gateway/i.test(message)) {
    return 'network';
  }
  return 'other';
}

/** Per-layer push progress, for display. */
export interface LayerProgress {
  readonly id: string;
  status: string;
  current?: number;
  total?: number;
}

/** Follows one push stream: layer progress, the pushed digest, and the first error. */
export class PushMonitor {
  readonly layers = new Map<string, LayerProgress>();
  digest?: string;
  failure?: string;
  /** Layers the registry already had (nothing uploaded for them). */
  reused = 0;

  accept(event: EngineEvent): void {
    const error = eventError(event);
    if (error !== undefined) {
      this.failure ??= error;
      return;
    }
    if (event.aux?.Digest) this.digest = event.aux.Digest;
    const status = event.status ?? '';
    const digestLine = /digest: (sha256:[0-9a-f]{64})/.exec(status);
    if (digestLine) this.digest ??= digestLine[1];
    if (event.id && status && !digestLine) {
      const layer = this.layers.get(event.id) ?? { id: event.id, status };
      layer.status = status;
      layer.current = event.progressDetail?.current ?? layer.current;
      layer.total = event.progressDetail?.total ?? layer.total;
      this.layers.set(event.id, layer);
      if (status === 'Layer already exists') this.reused += 1;
    }
  }
}

/** Retry policy for network failures during a push. */
export interface RetryPolicy {
  /** Attempts after the first one; default 3. */
  readonly retries: number;
  /** Delay before the first retry in ms, doubled each time; default 1000. */
  readonly baseDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 3, baseDelayMs: 1000 };

/** Where credentials come from, and how to get fresh ones once. */
export interface CredentialSource {
  credentials(): Promise<RegistryCredentials>;
  refresh(): Promise<RegistryCredentials>;
}

/** One push attempt: returns the engine's message stream (the engine client in production, a fake in unit tests). */
export type PushStarter = (credentials: RegistryCredentials) => Promise<Readable>;

/** Options for {@link pushWithRetry}. */
export interface PushOptions {
  /** `host/repo:tag`, for messages. */
  readonly reference: string;
  /** The registry host the credentials are for (`serveraddress`). */
  readonly registryHost: string;
  readonly auth: CredentialSource;
  readonly retry?: RetryPolicy;
  readonly onEvent?: (event: EngineEvent, monitor: PushMonitor) => void;
  /** Called before a retry, for the terminal. */
  readonly onRetry?: (attempt: number, delayMs: number, reason: string) => void;
  /** Waits between attempts (tests pass a no-op). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The result of a successful push of one tag. */
export interface PushResult {
  readonly digest: string;
  readonly attempts: number;
  readonly refreshedToken: boolean;
  readonly reusedLayers: number;
  readonly layers: number;
}

/**
 * Pushes one tag, scanning every stream message. Network failures are retried
 * with exponential backoff, then fail; an auth failure refreshes the token
 * exactly once (a token can expire between build and push on a slow build),
 * then fails — it never loops on a token that the registry keeps refusing.
 */
export async function pushWithRetry(start: PushStarter, options: PushOptions): Promise<PushResult> {
  const retry = options.retry ?? DEFAULT_RETRY;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let credentials = await options.auth.credentials();
  let refreshed = false;
  let networkRetries = 0;
  for (let attempt = 1; ; attempt++) {
    const monitor = new PushMonitor();
    for await (const event of readEngineEvents(await start(credentials))) {
      monitor.accept(event);
      options.onEvent?.(event, monitor);
    }
    if (monitor.failure === undefined) {
      if (!monitor.digest) {
        throw new UserError('push ended without a digest', options.reference,
          'the engine stream was cut short; run again with --verbose', { kind: 'failure' });
      }
      return { digest: monitor.digest, attempts: attempt, refreshedToken: refreshed, reusedLayers: monitor.reused, layers: monitor.layers.size };
    }
    const kind = classifyPushError(monitor.failure);
    if ((kind === 'auth' || kind === 'expired') && !refreshed) {
      refreshed = true;
      credentials = await options.auth.refresh();
      options.onRetry?.(attempt, 0, `registry refused the token (${monitor.failure}); fetched a new one`);
      continue;
    }
    if (kind === 'expired') {
      throw new UserError('registry token expired, and a fresh one was refused too', options.reference,
        'check the machine clock and that the credentials are for this account/region', { kind: 'token-expired', detail: [monitor.failure] });
    }
    if (kind === 'auth') {
      throw new UserError('registry refused the push credentials', options.reference,
        'check that the role may push to this repository (ecr:InitiateLayerUpload, ecr:PutImage…) and that --registry is the registry the token is for', { kind: 'auth-failed', detail: [monitor.failure] });
    }
    if (kind === 'network' && networkRetries < retry.retries) {
      const delay = retry.baseDelayMs * 2 ** networkRetries;
      networkRetries += 1;
      options.onRetry?.(attempt, delay, monitor.failure);
      await sleep(delay);
      continue;
    }
    if (kind === 'network') {
      throw new UserError(`network failure during push, ${retry.retries + 1} attempts`, options.reference,
        'check the connection to the registry and try again; layers already uploaded are kept', { kind: 'network', detail: [monitor.failure] });
    }
    throw new UserError(`push failed: ${monitor.failure}`, options.reference, 'run again with --verbose', { kind: 'failure' });
  }
}

/** A {@link PushStarter} that pushes `repositoryRef:tag` through the engine with the given credentials. */
export function enginePushStarter(docker: EngineClient, repositoryRef: string, tag: string, registryHost: string): PushStarter {
  return async (credentials) => {
    try {
      return await docker.push(repositoryRef, tag, { username: credentials.username, password: credentials.password, serveraddress: registryHost });
    } catch (err) {
      throw engineRequestError(err, 'push', describeEngine(docker), `${repositoryRef}:${tag}`);
    }
  };
}
