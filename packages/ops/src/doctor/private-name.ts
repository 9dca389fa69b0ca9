import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { messageOf } from '@blog-data/cli-kit';
import { PRIVATE_TUNNEL_URL } from '@blog-data/config';
import { SERVICES } from './ecs';
import { CheckResult, DoctorContext, fail, pass } from './types';

const ID = 'private-name';
const TITLE = 'the Prefect server registers its private name and accepts ECS Exec';

/** Whether the environment has a private endpoint (no load balancer): the outputs say so, else the config. */
export function isPrivateEndpoint(ctx: DoctorContext): boolean {
  return (ctx.outputs.endpoint ?? ctx.config.endpoint) === 'private';
}

/**
 * The private endpoint's stand-in for the ALB target check: the server service registers its tasks
 * in the Cloud Map service (`serviceRegistries`, how the worker, flow runs and the deployer find it)
 * and has ECS Exec on (how people reach the UI, `platform-ops connect`). Whether a task runs is the
 * ECS service check's finding.
 */
export async function checkPrivateName(ctx: DoctorContext): Promise<CheckResult> {
  const name = SERVICES.server.name;
  const cluster = ctx.outputs.ecs_cluster_arn ?? ctx.outputs.ecs_cluster_name ?? ctx.config.ecs.clusterName;
  try {
    const res = await ctx.aws.ecs.send(new DescribeServicesCommand({ cluster, services: [name] }));
    const service = res.services?.find((s) => s.serviceName === name && s.status !== 'INACTIVE');
    if (!service) return fail(ID, TITLE, `no service ${name} in cluster ${cluster}`, 'apply the platform stack: it creates the service');
    const registries = (service.serviceRegistries ?? []).map((r) => r.registryArn).filter(Boolean);
    const found = `${registries.length ? `registered in ${registries.join(', ')}` : 'no service registry'}; ECS Exec ${service.enableExecuteCommand ? 'on' : 'off'}`;
    if (registries.length === 0) {
      return fail(ID, TITLE, found, 'the worker and flow runs cannot find the server by name: apply the platform stack (endpoint private registers the service in Cloud Map)');
    }
    if (!service.enableExecuteCommand) {
      return fail(ID, TITLE, found, '`platform-ops connect` cannot open a tunnel: apply the platform stack (endpoint private turns on ECS Exec), then restart the server task');
    }
    return pass(ID, TITLE, found);
  } catch (err) {
    return fail(ID, TITLE, `ECS API failed: ${messageOf(err)}`, 'check AWS credentials and region (ecs:DescribeServices)');
  }
}

/**
 * The Prefect checks cannot reach a private endpoint's URL from outside the VPC: without
 * `--prefect-url` they stand down, saying how to run them through the tunnel.
 */
export function prefectNotReachable(ctx: DoctorContext): CheckResult {
  const env = ctx.config.env;
  return pass('prefect-api-health', 'Prefect API answers /api/health',
    `not checked: ${ctx.outputs.prefect_url ?? 'the server'} is reachable inside the VPC only (endpoint private); run \`platform-ops connect --env ${env}\` `
    + `in another terminal, then \`platform-ops doctor --env ${env} --prefect-url ${PRIVATE_TUNNEL_URL}\` to check the API, the work pool and the worker`);
}
