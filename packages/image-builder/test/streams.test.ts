import { Readable } from 'node:stream';
import { UserError } from '@blog-data/cli-kit';
import { BuildMonitor } from '../src/build';
import type { RegistryCredentials } from '../src/ecr-auth';
import { EngineEvent, eventError, readEngineEvents } from '../src/events';
import { classifyPushError, PushMonitor, pushWithRetry, PushStarter } from '../src/push';

const ID = `sha256:${'ab'.repeat(32)}`;
const DIGEST = `sha256:${'cd'.repeat(32)}`;

function lines(events: readonly EngineEvent[]): Readable {
  return Readable.from(events.map((e) => `${JSON.stringify(e)}\n`));
}

async function collect(stream: Readable): Promise<EngineEvent[]> {
  const out: EngineEvent[] = [];
  for await (const e of readEngineEvents(stream)) out.push(e);
  return out;
}

function monitorOf(events: readonly EngineEvent[]): BuildMonitor {
  const monitor = new BuildMonitor('Dockerfile');
  events.forEach((e) => monitor.accept(e));
  return monitor;
}

describe('engine message stream', () => {
  it('reassembles messages split across chunks and several messages in one chunk', async () => {
    const text = '{"stream":"Step 1/2 : FROM x"}\n{"stream":"\\n"}\n{"aux":{"ID":"sha256:1"}}\n';
    const chunks = [text.slice(0, 7), text.slice(7, 40), text.slice(40)];
    expect(await collect(Readable.from(chunks))).toEqual([{ stream: 'Step 1/2 : FROM x' }, { stream: '\n' }, { aux: { ID: 'sha256:1' } }]);
  });

  it('turns a line that is not JSON into an error message instead of throwing', async () => {
    const events = await collect(Readable.from(['<html>502 Bad Gateway</html>\n']));
    expect(eventError(events[0])).toContain('unreadable message from the engine: <html>502');
  });

  it('prefers errorDetail.message and treats an empty errorDetail as an error too', () => {
    expect(eventError({ error: 'short', errorDetail: { message: 'long message' } })).toBe('long message');
    expect(eventError({ errorDetail: {} })).toBe('the engine reported an error without a message');
    expect(eventError({ stream: 'ok' })).toBeUndefined();
  });
});

describe('build stream', () => {
  const steps: EngineEvent[] = [
    { stream: 'Step 1/3 : FROM local/busybox:amd64' }, { stream: '\n' }, { stream: ' ---> 1234\n' },
    { stream: 'Step 2/3 : RUN make' }, { stream: '\n' }, { stream: 'compiling\nmake: *** [all] Error 2\n' },
  ];

  it('fails on an error in the middle of a stream that otherwise ends in success', () => {
    const monitor = monitorOf([
      ...steps,
      { errorDetail: { code: 2, message: "The command '/bin/sh -c make' returned a non-zero code: 2" }, error: 'returned a non-zero code: 2' },
      // An engine (or a proxy) that keeps going after the error must not turn it into a success.
      { stream: 'Step 3/3 : CMD x' }, { aux: { ID } }, { stream: 'Successfully built abababababab\n' },
    ]);
    let error: UserError | undefined;
    try {
      monitor.finish();
    } catch (err) {
      error = err as UserError;
    }
    expect(error?.kind).toBe('build-failed');
    expect(`error: ${error?.message}`).toBe(
      "error: build failed: The command '/bin/sh -c make' returned a non-zero code: 2 (Dockerfile step 2/3: RUN make): fix the step above (its output tail follows); nothing was tagged or pushed");
    expect(error?.detail).toEqual(expect.arrayContaining(['  | compiling', '  | make: *** [all] Error 2']));
  });

  it('returns the image id from the aux message and the step count', () => {
    expect(monitorOf([...steps.slice(0, 3), { aux: { ID } }, { stream: 'Successfully built abababababab\n' }]).finish()).toEqual({ id: ID, steps: 3 });
  });

  it('falls back to the "Successfully built" line when no aux message came', () => {
    expect(monitorOf([...steps.slice(0, 3), { stream: 'Successfully built abababababab\n' }]).finish().id).toBe('abababababab');
  });

  it('fails when the stream ends without an image id (cut short)', () => {
    expect(() => monitorOf(steps.slice(0, 3)).finish()).toThrow('build ended without an image id');
  });

  it('reports a platform mismatch the engine detects as a wrong-platform error', () => {
    const monitor = monitorOf([...steps.slice(0, 3), { errorDetail: { message: 'image with reference sha256:1 was found but does not match the specified platform: wanted linux/amd64, actual: linux/arm64' } }]);
    expect(() => monitor.finish()).toThrow(/^base image is not linux\/amd64/);
  });

  it('keeps only the last lines of output', () => {
    const many = Array.from({ length: 40 }, (_, i) => ({ stream: `line ${i}\n` }));
    const monitor = monitorOf(many);
    expect(monitor.state.tail).toHaveLength(15);
    expect(monitor.state.tail.at(-1)).toBe('line 39');
  });
});

describe('push stream', () => {
  const ok: EngineEvent[] = [
    { status: 'The push refers to repository [127.0.0.1:5000/blog-data]' },
    { status: 'Preparing', id: 'l1' }, { status: 'Preparing', id: 'l2' },
    { status: 'Pushing', id: 'l1', progressDetail: { current: 512, total: 1024 } },
    { status: 'Pushed', id: 'l1' }, { status: 'Layer already exists', id: 'l2' },
    { status: `src-1: digest: ${DIGEST} size: 739` },
    { aux: { Tag: 'src-1', Digest: DIGEST, Size: 739 } },
  ];

  it('tracks layers and the pushed digest', () => {
    const monitor = new PushMonitor();
    ok.forEach((e) => monitor.accept(e));
    expect(monitor.digest).toBe(DIGEST);
    expect(monitor.reused).toBe(1);
    expect([...monitor.layers.values()].map((l) => l.status)).toEqual(['Pushed', 'Layer already exists']);
  });

  it.each<[string, ReturnType<typeof classifyPushError>]>([
    ['denied: Your authorization token has expired. Reauthenticate and try again.', 'expired'],
    ['no basic auth credentials', 'auth'],
    ['unauthorized: authentication required', 'auth'],
    ['Put "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused', 'network'],
    ['read tcp 10.0.0.1:5000: read: connection reset by peer', 'network'],
    ['net/http: TLS handshake timeout', 'network'],
    ['received unexpected HTTP status: 503 Service Unavailable', 'network'],
    ['manifest invalid: manifest invalid', 'other'],
  ])('classifies "%s" as %s', (message, kind) => {
    expect(classifyPushError(message)).toBe(kind);
  });
});

describe('push with retry and token refresh', () => {
  const creds = (password: string): RegistryCredentials => ({ username: 'AWS', password, registryHost: 'r' });
  const success: EngineEvent[] = [{ status: 'Pushed', id: 'l1' }, { aux: { Tag: 't', Digest: DIGEST, Size: 1 } }];
  const failure = (message: string): EngineEvent[] => [{ status: 'Preparing', id: 'l1' }, { errorDetail: { message }, error: message }];

  /** Plays one scripted stream per attempt; records the password each attempt used. */
  function scripted(...attempts: EngineEvent[][]): { start: PushStarter; used: string[] } {
    const used: string[] = [];
    return {
      used,
      start: async (c) => {
        used.push(c.password);
        return lines(attempts[used.length - 1] ?? failure('script ran out'));
      },
    };
  }

  function auth() {
    let n = 0;
    const source = { refreshes: 0, credentials: async () => creds('token-0'), refresh: async () => { source.refreshes += 1; return creds(`token-${++n}`); } };
    return source;
  }

  it('retries network failures with doubling backoff, then succeeds', async () => {
    const { start, used } = scripted(failure('dial tcp: connection refused'), failure('i/o timeout'), success);
    const delays: number[] = [];
    const result = await pushWithRetry(start, {
      reference: 'r/x:t',
      registryHost: 'r',
      auth: auth(),
      retry: { retries: 3, baseDelayMs: 100 },
      sleep: async (ms) => { delays.push(ms); },
    });
    expect(result).toMatchObject({ digest: DIGEST, attempts: 3, refreshedToken: false });
    expect(delays).toEqual([100, 200]);
    expect(used).toHaveLength(3);
  });

  it('gives up after the retries with a network error', async () => {
    const { start, used } = scripted(...Array.from({ length: 5 }, () => failure('dial tcp: connection refused')));
    await expect(pushWithRetry(start, {
      reference: 'r/x:t', registryHost: 'r', auth: auth(), retry: { retries: 2, baseDelayMs: 1 }, sleep: async () => {},
    })).rejects.toMatchObject({ kind: 'network', message: expect.stringContaining('network failure during push, 3 attempts (r/x:t)') });
    expect(used).toHaveLength(3);
  });

  it('refreshes an expired token once and pushes with the new one', async () => {
    const { start, used } = scripted(failure('denied: Your authorization token has expired. Reauthenticate and try again.'), success);
    const source = auth();
    const result = await pushWithRetry(start, { reference: 'r/x:t', registryHost: 'r', auth: source, sleep: async () => {} });
    expect(result.refreshedToken).toBe(true);
    expect(used).toEqual(['token-0', 'token-1']);
    expect(source.refreshes).toBe(1);
  });

  it('does not loop when the fresh token is refused too', async () => {
    const refused = failure('unauthorized: authentication required');
    const { start, used } = scripted(refused, refused, refused, refused);
    const source = auth();
    await expect(pushWithRetry(start, { reference: 'r/x:t', registryHost: 'r', auth: source, sleep: async () => {} }))
      .rejects.toMatchObject({ kind: 'auth-failed' });
    expect(source.refreshes).toBe(1);
    expect(used).toHaveLength(2);
  });

  it('fails at once on other errors, and when the stream has no digest', async () => {
    await expect(pushWithRetry(scripted(failure('manifest invalid')).start, { reference: 'r/x:t', registryHost: 'r', auth: auth() }))
      .rejects.toThrow('push failed: manifest invalid');
    await expect(pushWithRetry(scripted([{ status: 'Pushed', id: 'l1' }]).start, { reference: 'r/x:t', registryHost: 'r', auth: auth() }))
      .rejects.toThrow('push ended without a digest');
  });
});
