import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { awsCredentialsError, messageOf, UserError, usageError } from '@blog-data/cli-kit';
import { PlatformConfig, PRIVATE_TUNNEL_URL } from '@blog-data/config';
import { readApiAuth } from '../api-auth';
import type { AwsClients } from '../doctor/types';
import type { InfraOutputs } from '../infra-outputs';
import { DashboardServer, startDashboardServer } from './server';
import { collectPlatformSnapshot } from './snapshot';

/** The built page (lib/dashboard-web), from the compiled server and from its sources under ts-jest alike. */
export const DASHBOARD_WEB_ROOT = join(__dirname, '..', '..', 'lib', 'dashboard-web');

/** What `platform-ops dashboard` was asked for. */
export interface DashboardRunOptions {
  readonly config: PlatformConfig;
  readonly outputs: InfraOutputs;
  readonly aws: AwsClients;
  readonly environ: NodeJS.ProcessEnv;
  readonly host: string;
  readonly port: number;
  /** Prefect base URL instead of the `prefect_url` output (the API is `<url>/api`). */
  readonly prefectUrl?: string;
  readonly registry?: string;
  readonly planFile?: string;
  readonly timeoutMs: number;
  readonly webRoot?: string;
}

/**
 * Starts the dashboard for one environment: resolves the Prefect API URL and its auth string
 * (never sent to the browser), then serves the page. Throws a UserError naming what is missing.
 */
export async function startDashboard(options: DashboardRunOptions): Promise<DashboardServer> {
  if (!options.prefectUrl && (options.outputs.endpoint ?? options.config.endpoint) === 'private') {
    // The private endpoint's URL answers inside the VPC only; the tunnel brings it here.
    throw usageError(`${options.config.env} has a private endpoint: its Prefect URL answers inside the VPC only`, '--prefect-url',
      `run \`platform-ops connect --env ${options.config.env}\` in another terminal, then pass --prefect-url ${PRIVATE_TUNNEL_URL}`);
  }
  const base = (options.prefectUrl ?? options.outputs.prefect_url)?.replace(/\/+$/, '');
  const apiUrl = options.prefectUrl ? `${base}/api` : options.outputs.prefect_api_url ?? (base ? `${base}/api` : undefined);
  if (!apiUrl) {
    throw usageError('no Prefect API URL', '--prefect-url', 'pass --prefect-url URL, or --infra-outputs FILE with prefect_url / prefect_api_url');
  }
  let authString: string;
  try {
    ({ authString } = await readApiAuth(options.environ, options.outputs, options.aws.secrets));
  } catch (err) {
    throw awsCredentialsError(err) ?? new UserError(`cannot read the Prefect API auth string: ${messageOf(err)}`, 'api_auth_secret_arn',
      'set PREFECT_API_AUTH_STRING, or use AWS credentials allowed secretsmanager:GetSecretValue on the API auth secret');
  }
  return startDashboardServer({
    host: options.host,
    port: options.port,
    webRoot: options.webRoot ?? DASHBOARD_WEB_ROOT,
    api: { upstream: apiUrl, authString, timeoutMs: options.timeoutMs },
    prefectUiUrl: base,
    snapshot: () => collectPlatformSnapshot({
      config: options.config,
      outputs: options.outputs,
      aws: options.aws,
      apiAuthString: authString,
      prefectUrl: options.prefectUrl,
      registry: options.registry,
      planFile: options.planFile,
      httpTimeoutMs: options.timeoutMs,
    }),
  });
}

/** Opens a URL in the desktop's browser (xdg-open / open / start); best effort. */
export function openInBrowser(url: string, platform: NodeJS.Platform = process.platform): void {
  const [command, args] = platform === 'darwin' ? ['open', [url]] : platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  const child = spawn(command, args as string[], { detached: true, stdio: 'ignore' });
  child.on('error', () => undefined);
  child.unref();
}
