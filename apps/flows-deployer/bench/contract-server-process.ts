import { ChildProcess, fork } from 'node:child_process';
import * as path from 'node:path';

/** What the server process reports about itself. */
export interface ServerStats {
  readonly writes: number;
  readonly requests: number;
  readonly deployments: number;
  readonly violations: readonly string[];
}

/** Handle on a contract server running in a child process (see contract-server-child.ts). */
export class ContractServerProcess {
  static async start(options: Record<string, unknown>): Promise<ContractServerProcess> {
    const child = fork(path.join(__dirname, 'contract-server-child.ts'), [], {
      execArgv: ['-r', 'ts-node/register/transpile-only'],
      env: { ...process.env, TS_NODE_PROJECT: path.join(__dirname, 'tsconfig.json'), CONTRACT_SERVER_OPTIONS: JSON.stringify(options) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = await nextMessage<{ apiUrl: string }>(child, 'ready');
    return new ContractServerProcess(child, ready.apiUrl);
  }

  private constructor(private readonly child: ChildProcess, readonly apiUrl: string) {}

  async stats(): Promise<ServerStats> {
    const reply = nextMessage<ServerStats>(this.child, 'stats');
    this.child.send({ kind: 'stats' });
    return reply;
  }

  async clearLog(): Promise<void> {
    const reply = nextMessage(this.child, 'cleared');
    this.child.send({ kind: 'clear' });
    await reply;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send({ kind: 'stop' });
    await exited;
  }
}

function nextMessage<T>(child: ChildProcess, kind: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { kind: string } & T): void => {
      if (message.kind !== kind) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message);
    };
    const onExit = (code: number | null): void => reject(new Error(`contract server process exited (${code}) before answering ${kind}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}
