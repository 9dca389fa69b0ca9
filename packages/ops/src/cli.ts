import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { ECSClient } from '@aws-sdk/client-ecs';
import { PricingClient } from '@aws-sdk/client-pricing';
import { CliContext, CliIo, freeLoopbackPort, paletteFor, processIo, runCli, usageError } from '@blog-data/cli-kit';
import { loadConfig, PlatformConfig } from '@blog-data/config';
import { Command } from 'commander';
import { assertAwsCredentials, createAwsClients, destroyAwsClients } from './aws';
import { assertPrivateEndpoint, findServerTask, needsUiProxy, runSession, shellCommand } from './connect';
import { estimateCost } from './cost';
import { openInBrowser, startDashboard } from './dashboard';
import { runDoctor } from './doctor';
import { InfraOutputs, readInfraOutputs } from './infra-outputs';
import { followLogs, logGroupFor, LOG_SERVICES, LogLine, parseSince, readLogs } from './logs';
import { PRICE_MODES, PriceMode, resolvePrices } from './price-list';
import { DEFAULT_PRICE_FILE, loadPriceBook } from './prices';
import { renderCost, renderDoctor, renderLogLine } from './render';
import { startUiProxy } from './ui-proxy';
import { renderWake, wakeEnvironment } from './wake';

/** cli-kit's io, plus the signal that stops `logs --follow` and `dashboard` (the bin wires it to SIGINT). */
export interface OpsIo extends CliIo {
  readonly signal?: AbortSignal;
}

interface CommonFlags { env?: string; json?: boolean; verbose?: boolean }
interface DashboardFlags extends CommonFlags {
  infraOutputs?: string; prefectUrl?: string; registry?: string; planFile?: string; port: number; host: string; timeout: number; open?: boolean;
}

function loadEnvironment(flags: CommonFlags, io: OpsIo): PlatformConfig {
  return loadConfig({ env: flags.env, environ: io.env });
}

function loadOutputs(file: string | undefined, io: OpsIo, quiet: boolean): InfraOutputs {
  const path = file ?? io.env.INFRA_OUTPUTS_FILE;
  if (path) return readInfraOutputs(path);
  if (!quiet) io.stderr.write('note: no --infra-outputs (or INFRA_OUTPUTS_FILE): checks that need the platform stack\'s outputs will fail\n');
  return {};
}

/** A positive whole number of milliseconds, or a usage error naming the flag. */
function milliseconds(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n <= 0) throw usageError(`"${value}" is not a positive number of milliseconds`, flag, `pass e.g. ${flag} 5000`);
    return n;
  };
}

/** A `--prices` mode, or a usage error naming the flag. */
function priceMode(value: string): PriceMode {
  if (!(PRICE_MODES as readonly string[]).includes(value)) throw usageError(`"${value}" is not a price source`, '--prices', `pass one of ${PRICE_MODES.join(', ')}`);
  return value as PriceMode;
}

/** A TCP port number, or a usage error naming the flag. */
function port(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n > 65535) throw usageError(`"${value}" is not a port number`, flag, `pass e.g. ${flag} 4300`);
    return n;
  };
}

/** Resolves when the signal aborts (never without one). */
function untilAborted(signal: AbortSignal | undefined): Promise<void> {
  const s = signal ?? new AbortController().signal;
  return new Promise<void>((resolve) => (s.aborted ? resolve() : s.addEventListener('abort', () => resolve(), { once: true })));
}

/** Builds the program; {@link main} runs it through cli-kit's `runCli`. */
export function buildProgram(ctx: CliContext & { readonly io: OpsIo }): Command {
  const { io } = ctx;
  const program = new Command('platform-ops').description('Operate a running environment: doctor, cost, logs, wake, dashboard');

  program.command('doctor')
    .description('check a running environment against the production runbook; exit 1 if any check fails')
    .option('--env <env>', 'dev | staging | prod (default PLATFORM_ENV, then dev)')
    .option('--infra-outputs <file>', 'platform stack outputs (`terraform output -json`); env INFRA_OUTPUTS_FILE')
    .option('--registry <host>', 'read image manifests from this registry instead of ECR\'s endpoint (host[:port] or URL); env IMAGE_REGISTRY')
    .option('--prefect-url <url>', 'Prefect base URL instead of the prefect_url output')
    .option('--timeout <ms>', 'time limit of each HTTP request', milliseconds('--timeout'), 5000)
    .option('--json', 'print the report as JSON')
    .option('--verbose', 'stack traces on errors')
    .action(async (flags: CommonFlags & { infraOutputs?: string; registry?: string; prefectUrl?: string; timeout: number }) => {
      const config = loadEnvironment(flags, io);
      const aws = createAwsClients(config.aws.region);
      try {
        // Every check reads AWS: without credentials the report would be a dozen failures saying
        // the same thing. One line that says how to provide them instead (cli-kit's translation).
        await assertAwsCredentials(aws);
        const outputs = loadOutputs(flags.infraOutputs, io, !!flags.json);
        if (!flags.json && io.stderr.isTTY) io.stderr.write(`checking ${config.env} (${config.aws.region})…\n`);
        const report = await runDoctor({
          config,
          outputs,
          aws,
          registry: flags.registry ?? io.env.IMAGE_REGISTRY,
          prefectUrl: flags.prefectUrl,
          apiAuthString: io.env.PREFECT_API_AUTH_STRING,
          httpTimeoutMs: flags.timeout,
        });
        io.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : renderDoctor(report, paletteFor({ stream: io.stdout, env: io.env })));
        ctx.setExitCode(report.ok ? 0 : 1);
      } finally {
        destroyAwsClients(aws);
      }
    });

  program.command('cost')
    .description('estimate the monthly AWS cost of an environment from its configuration and list prices')
    .option('--env <env>', 'dev | staging | prod (default PLATFORM_ENV, then dev)')
    .option('--prices <source>', 'auto (the Price List API, else the bundled book) | aws | bundled', priceMode, 'auto')
    .option('--json', 'print the estimate as JSON')
    .option('--verbose', 'stack traces on errors')
    .action(async (flags: CommonFlags & { prices: PriceMode }) => {
      const config = loadEnvironment(flags, io);
      // The Price List API answers in us-east-1 (also eu-central-1, ap-south-1) for every region.
      const { book, source } = await resolvePrices({
        mode: flags.prices,
        region: config.aws.region,
        book: loadPriceBook(),
        client: () => new PricingClient({ region: 'us-east-1', maxAttempts: 2 }),
        redis: config.scale.mode === 'scale-out' ? config.scale.redis : undefined,
      });
      const estimate = estimateCost(config, book, DEFAULT_PRICE_FILE, source);
      io.stdout.write(flags.json ? `${JSON.stringify(estimate, null, 2)}\n` : renderCost(estimate, paletteFor({ stream: io.stdout, env: io.env })));
    });

  program.command('wake')
    .description('start a scheduled environment\'s services outside its hours, until the next scheduled stop (or --hours)')
    .option('--env <env>', 'dev | staging | prod (default PLATFORM_ENV, then dev)')
    .option('--hours <hours>', 'sleep again after this many hours, when that comes before the next scheduled stop', positiveHours)
    .option('--json', 'print what it did as JSON')
    .option('--verbose', 'stack traces on errors')
    .action(async (flags: CommonFlags & { hours?: number }) => {
      const config = loadEnvironment(flags, io);
      const options = { region: config.aws.region, maxAttempts: 3 };
      const clients = { ecs: new ECSClient(options), autoscaling: new ApplicationAutoScalingClient(options) };
      try {
        const result = await wakeEnvironment({ config, clients, hours: flags.hours });
        io.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : renderWake(result));
      } finally {
        clients.ecs.destroy();
        clients.autoscaling.destroy();
      }
    });

  program.command('connect')
    .description('forward a local port to the Prefect server of a private endpoint (ECS Exec, SSM port forwarding), then open the UI there')
    .option('--env <env>', 'dev | staging | prod (default PLATFORM_ENV, then dev)')
    .option('--local-port <port>', 'local port of the UI and API (another port than 4200 puts a proxy in front, which tells the UI its API is there)', port('--local-port'), 4200)
    .option('--print', 'print the aws command instead of running it')
    .option('--verbose', 'stack traces on errors')
    .action(async (flags: CommonFlags & { localPort: number; print?: boolean }) => {
      const config = loadEnvironment(flags, io);
      assertPrivateEndpoint(config);
      const ecs = new ECSClient({ region: config.aws.region, maxAttempts: 3 });
      // --print gives the plain forward to the asked port: a UI opened there calls its API on 4200.
      const proxied = needsUiProxy(flags.localPort) && !flags.print;
      let plan;
      try {
        plan = await findServerTask(config, ecs, flags.localPort, proxied ? await freeLoopbackPort() : flags.localPort);
      } finally {
        ecs.destroy();
      }
      if (flags.print) {
        io.stdout.write(`${shellCommand(plan.argv)}\n`);
        return;
      }
      const proxy = proxied ? await startUiProxy({ listenPort: plan.localPort, upstreamPort: plan.forwardPort }) : undefined;
      io.stderr.write(`connect: task ${plan.taskId}, the UI at ${plan.url} while this runs (Ctrl-C ends it)\n`);
      let code: number;
      try {
        code = await runSession(plan, io.env);
      } finally {
        await proxy?.close();
      }
      if (code !== 0) throw usageError(`aws ssm start-session exited with ${code}`, plan.target, 'it needs the Session Manager plugin and ecs:ExecuteCommand on the cluster');
    });

  program.command('logs')
    .description('print (or follow) the CloudWatch logs of a service, with timestamps and task ids')
    .requiredOption('--service <service>', LOG_SERVICES.join(' | '))
    .option('--env <env>', 'dev | staging | prod (default PLATFORM_ENV, then dev)')
    .option('--since <duration>', 'start this long ago (30s, 15m, 1h, 2d) or at an ISO time', '1h')
    .option('--follow', 'keep polling for new lines until Ctrl-C')
    .option('--poll <ms>', 'poll interval with --follow', milliseconds('--poll'), 2000)
    .option('--json', 'one JSON object per line')
    .option('--verbose', 'stack traces on errors')
    .action(async (flags: CommonFlags & { service: string; since: string; follow?: boolean; poll: number }) => {
      const config = loadEnvironment(flags, io);
      const logGroupName = logGroupFor(config, flags.service);
      const startTime = parseSince(flags.since);
      const aws = createAwsClients(config.aws.region);
      const palette = paletteFor({ stream: io.stdout, env: io.env, json: flags.json });
      const print = (lines: readonly LogLine[]) => {
        for (const l of lines) io.stdout.write(`${flags.json ? JSON.stringify(l) : renderLogLine(l, palette)}\n`);
      };
      try {
        if (flags.follow) {
          const signal = io.signal ?? new AbortController().signal;
          await followLogs({ client: aws.logs, logGroupName, startTime, onLines: print, signal, pollMs: flags.poll });
        } else {
          print(await readLogs({ client: aws.logs, logGroupName, startTime }));
        }
      } finally {
        destroyAwsClients(aws);
      }
    });

  program.command('dashboard')
    .description('serve a read-only page of the environment (platform panel, work pool, deployments, flow runs) on 127.0.0.1')
    .option('--env <env>', 'dev | staging | prod (default PLATFORM_ENV, then dev)')
    .option('--infra-outputs <file>', 'platform stack outputs (`terraform output -json`); env INFRA_OUTPUTS_FILE')
    .option('--prefect-url <url>', 'Prefect base URL instead of the prefect_url output')
    .option('--registry <host>', 'read image manifests from this registry instead of the image reference\'s; env IMAGE_REGISTRY')
    .option('--plan-file <file>', 'a saved `flows-deployer plan --json`, shown as the deployer\'s last plan')
    .option('--port <port>', 'port to listen on (0: any free port)', port('--port'), 4300)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--timeout <ms>', 'time limit of each HTTP request', milliseconds('--timeout'), 10000)
    .option('--open', 'open the page in the desktop browser')
    .option('--verbose', 'stack traces on errors')
    .action(async (flags: DashboardFlags) => {
      const config = loadEnvironment(flags, io);
      const outputs = loadOutputs(flags.infraOutputs, io, false);
      const aws = createAwsClients(config.aws.region);
      try {
        const server = await startDashboard({
          config,
          outputs,
          aws,
          environ: io.env,
          host: flags.host,
          port: flags.port,
          prefectUrl: flags.prefectUrl,
          registry: flags.registry ?? io.env.IMAGE_REGISTRY,
          planFile: flags.planFile,
          timeoutMs: flags.timeout,
        });
        io.stdout.write(`dashboard of ${config.env} at ${server.url} (read-only; Ctrl-C stops it)\n`);
        if (flags.open) openInBrowser(server.url);
        await untilAborted(io.signal);
        await server.close();
      } finally {
        destroyAwsClients(aws);
      }
    });
  return program;
}

/** A positive number of hours (fractions allowed), or a usage error naming the flag. */
function positiveHours(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || n <= 0 || n > 24 * 7) throw usageError(`"${value}" is not a number of hours (0–168)`, '--hours', 'pass e.g. --hours 2');
  return n;
}

/** Runs the CLI; resolves with the exit code (0 ok, 1 failure or failed checks, 2 usage). */
export function main(argv: readonly string[], io: OpsIo = processIo()): Promise<number> {
  return runCli(argv, io, buildProgram);
}

/** The `platform-ops` executable. */
export function run(argv: readonly string[]): void {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  void main(argv.slice(2), { ...processIo(), signal: controller.signal }).then((code) => {
    process.exitCode = code;
  });
}
