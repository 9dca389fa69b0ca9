import { ContractServerOptions, PrefectContractServer } from '@blog-data/prefect-api/testing';
import { MemoryFlowCodeStore } from './memory-flow-code-store';
import { CliRun, runCli, Workspace } from './workspace';

/** The basic-auth string of the contract server in the integration tests. */
export const AUTH = 'prefect:correct-horse-battery-staple';

/** One test's contract server, scratch project, flow-code store and environment; fresh per test. */
export interface ContractSession {
  readonly server: PrefectContractServer;
  readonly ws: Workspace;
  readonly store: MemoryFlowCodeStore;
  /** PLATFORM_ENV, PREFECT_API_URL and PREFECT_API_AUTH_STRING of the server; tests may change it. */
  readonly environ: NodeJS.ProcessEnv;
  /** Runs the CLI with the scratch manifest and outputs. */
  cli(...args: string[]): Promise<CliRun>;
  /** Stops the server and starts another with these options (added to the suite's), pointing PREFECT_API_URL at it. */
  restart(options?: ContractServerOptions): Promise<void>;
}

/**
 * Registers `beforeEach`/`afterEach` for a suite that runs the deployer against the contract
 * server: each test gets a new server (`options`, with {@link AUTH}), a scratch copy of the
 * example project and an in-memory flow-code store; after each, every response the server sent
 * and every route the client used must have been on-contract.
 */
export function contractSession(options: ContractServerOptions = {}): ContractSession {
  const state = {} as { server: PrefectContractServer; ws: Workspace; store: MemoryFlowCodeStore; environ: NodeJS.ProcessEnv };
  const session: ContractSession = {
    get server() {
      return state.server;
    },
    get ws() {
      return state.ws;
    },
    get store() {
      return state.store;
    },
    get environ() {
      return state.environ;
    },
    cli: (...args) => runCli([...args, '--manifest', state.ws.manifest, '--infra-outputs', state.ws.outputs], state.environ, false, state.store),
    async restart(extra = {}) {
      await state.server.stop();
      state.server = await PrefectContractServer.start({ authString: AUTH, ...options, ...extra });
      state.environ.PREFECT_API_URL = state.server.apiUrl;
    },
  };
  beforeEach(async () => {
    state.server = await PrefectContractServer.start({ authString: AUTH, ...options });
    state.ws = Workspace.create();
    state.store = new MemoryFlowCodeStore();
    state.environ = { PLATFORM_ENV: 'dev', PREFECT_API_URL: state.server.apiUrl, PREFECT_API_AUTH_STRING: AUTH };
  });
  afterEach(async () => {
    expect(state.server.violations).toEqual([]);
    await state.server.stop();
    state.ws.dispose();
  });
  return session;
}
