import { CliIo, paletteFor, processIo, renderTable, runCli } from '@blog-data/cli-kit';
import { Command } from 'commander';
import { loadAllConfigs, loadConfig } from './load';
import { ENV_SELECTOR, OVERRIDE_PREFIX } from './overrides';
import { ENVIRONMENTS, PlatformConfig } from './schema';

/** Entry point of `platform-config`; resolves with the exit code (see the root README). */
export function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  return runCli(argv, io, () => {
    const program = new Command('platform-config')
      .description('Show and validate the platform settings of each environment')
      .addHelpText('after', `\nOverrides: ${ENV_SELECTOR} selects the environment; ${OVERRIDE_PREFIX}<SECTION>__<FIELD>=value overrides a setting.`);
    program
      .command('show')
      .description('print the settings of one environment')
      .option('--env <env>', `${ENVIRONMENTS.join(' | ')} (default ${ENV_SELECTOR}, then dev)`)
      .option('--json', 'the whole validated configuration as JSON')
      .action((flags: { env?: string; json?: boolean }) => {
        const config = loadConfig({ env: flags.env, environ: io.env });
        io.stdout.write(flags.json ? `${JSON.stringify(config, null, 2)}\n` : renderSummary(config, io));
      });
    program
      .command('validate')
      .description('validate every environment (with the PLATFORM_* overrides in effect)')
      .action(() => {
        const all = loadAllConfigs(io.env);
        io.stdout.write(`ok: ${Object.keys(all).join(', ')} are valid\n`);
      });
    return program;
  });
}

const ENDPOINT_SUMMARY: Record<PlatformConfig['endpoint'], string> = {
  'cloudfront': '(none: HTTPS on CloudFront)',
  'insecure-http': '(none: ALB over plain HTTP)',
  'private': '(none: private, no load balancer; `platform-ops connect` forwards the UI)',
};

function renderSummary(config: PlatformConfig, io: CliIo): string {
  const rows: [string, string][] = [
    ['environment', config.env],
    ['account / region', `${config.aws.accountId} / ${config.aws.region}`],
    ['network', config.network.mode === 'create' ? `new VPC ${config.network.cidr}` : `existing ${config.network.vpcId}`],
    ['domain', config.domain?.name ?? ENDPOINT_SUMMARY[config.endpoint]],
    ['ECS cluster', config.ecs.clusterName],
    ['server cpu/memory', `${config.server.cpu}/${config.server.memory}`],
    ['worker cpu/memory', `${config.worker.cpu}/${config.worker.memory}`],
    ['Aurora', `PostgreSQL ${config.aurora.engineVersion}, ${config.aurora.minAcu}–${config.aurora.maxAcu} ACU`],
    ['work pool', config.prefect.workPool],
    ['image', `${config.image.repository}:${config.image.tag}`],
    ['log groups', [config.logs.api, config.logs.worker, config.logs.deployer].join(', ')],
  ];
  const c = paletteFor({ stream: io.stdout, env: io.env });
  return `${renderTable([{ header: 'setting' }, { header: 'value' }], rows.map(([k, v]) => [c.bold(k), v])).join('\n')}\n`;
}
