import { loadAllConfigs, loadConfig, ConfigError } from './load';

const USAGE = `usage: platform-config show [--env dev|staging|prod] [--json]
       platform-config validate          (every environment)
Overrides: PLATFORM_ENV selects the environment; PLATFORM_<SECTION>__<FIELD>=value overrides a setting.`;

/** Entry point of `platform-config`; returns the exit code. */
export function main(argv: readonly string[], out = process.stdout, err = process.stderr): number {
  const [command, ...rest] = argv;
  const envIndex = rest.indexOf('--env');
  const env = envIndex >= 0 ? rest[envIndex + 1] : undefined;
  try {
    if (command === 'show') {
      const config = loadConfig({ env });
      out.write(rest.includes('--json') ? `${JSON.stringify(config, null, 2)}\n` : renderSummary(config));
      return 0;
    }
    if (command === 'validate') {
      const all = loadAllConfigs(process.env);
      out.write(`ok: ${Object.keys(all).join(', ')} are valid\n`);
      return 0;
    }
    err.write(`${USAGE}\n`);
    return 2;
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const line of e.problems) err.write(`error: ${line}\n`);
      return 1;
    }
    throw e;
  }
}

function renderSummary(config: ReturnType<typeof loadConfig>): string {
  const rows: [string, string][] = [
    ['environment', config.env],
    ['account / region', `${config.aws.accountId} / ${config.aws.region}`],
    ['network', config.network.mode === 'create' ? `new VPC ${config.network.cidr}` : `existing ${config.network.vpcId}`],
    ['domain', config.domain?.name ?? (config.endpoint === 'cloudfront' ? '(none: HTTPS on CloudFront)' : '(none: ALB over plain HTTP)')],
    ['ECS cluster', config.ecs.clusterName],
    ['server cpu/memory', `${config.server.cpu}/${config.server.memory}`],
    ['worker cpu/memory', `${config.worker.cpu}/${config.worker.memory}`],
    ['Aurora', `PostgreSQL ${config.aurora.engineVersion}, ${config.aurora.minAcu}–${config.aurora.maxAcu} ACU`],
    ['work pool', config.prefect.workPool],
    ['image', `${config.image.repository}:${config.image.tag}`],
    ['log groups', [config.logs.api, config.logs.worker, config.logs.deployer].join(', ')],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n') + '\n';
}
