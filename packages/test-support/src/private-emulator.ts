import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freeLoopbackPort } from './ports';

/** moto's server with what it lacks for terraform (shared with scripts/test-services.sh). */
const MOTO_SERVER = join(__dirname, '..', 'emulator', 'moto_server.py');

/** An AWS emulator (moto server) of a test's own, apart from the shared one. */
export interface PrivateEmulator {
  /** `http://127.0.0.1:<port>`, for AWS_ENDPOINT_URL / SDK `endpoint`. */
  readonly endpoint: string;
  /** POSTs JSON to one of moto's control endpoints, e.g. `/moto-api/state-manager/set-transition`. */
  control(path: string, body: unknown): Promise<void>;
  /** Stops the process this helper started. */
  stop(): Promise<void>;
}

/** Options of {@link startPrivateAwsEmulator}. */
export interface PrivateEmulatorOptions {
  /** moto settings read at start, e.g. `MOTO_ECS_SERVICE_RUNNING: '1'` (new services report their tasks running). */
  readonly env?: Readonly<Record<string, string>>;
  /** How long to wait for it to answer, ms. Default 30000. */
  readonly timeoutMs?: number;
}

/**
 * Starts the AWS emulator (`emulator/moto_server.py`: moto's server and the calls it lacks) on a free loopback port for tests that change the
 * emulator's global behaviour (state transitions of ECS tasks, executing Step Functions),
 * which would disturb other packages' tests sharing `scripts/test-services.sh`'s emulator.
 * `MOTO_PORT` is set so that moto's Step Functions interpreter calls back into this server.
 */
export async function startPrivateAwsEmulator(options: PrivateEmulatorOptions = {}): Promise<PrivateEmulator> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const port = await freeLoopbackPort();
  // The interpreter the test services found moto in (a pyenv shim may resolve python3 elsewhere).
  const python = process.env.MOTO_PYTHON ?? 'python3';
  const child: ChildProcess = spawn(python, [MOTO_SERVER, '-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, ...options.env, MOTO_PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-2000); });
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = () => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the private AWS emulator exited (${child.exitCode}): ${stderr.trim().split('\n').pop()}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the private AWS emulator did not answer on ${endpoint} within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    endpoint,
    stop,
    async control(path, body) {
      const res = await fetch(`${endpoint}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`moto ${path}: HTTP ${res.status} ${await res.text()}`);
    },
  };
}
