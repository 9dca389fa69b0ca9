import {
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  LoadBalancer,
  TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { messageOf } from '@blog-data/cli-kit';
import { CheckResult, DoctorContext, fail, missingOutput, pass } from './types';

const ID = 'alb-targets';
const TITLE = 'ALB has a healthy Prefect server target';

/** What an unhealthy target's reason code means for this platform, and the fix. */
export function explainTargetHealth(reason: string | undefined, description: string | undefined): string {
  switch (reason) {
    case 'Target.Timeout':
      return 'the health check (GET /api/health on 4200) timed out: the server is still migrating the database or cannot reach it (see the database checks), '
        + 'or the server security group does not admit the ALB on 4200';
    case 'Target.ResponseCodeMismatch':
      return `the server answered /api/health with ${description ?? 'a non-200 status'}: the health-check path must be /api/health, which Prefect exempts from basic auth`;
    case 'Target.FailedHealthChecks':
      return 'the server fails its health checks: read `platform-ops logs --service api` (database time-outs, migrations, crashes)';
    case 'Elb.InitialHealthChecking':
    case 'Target.NotInUse':
      return 'the target is still starting: wait a minute and run doctor again';
    case 'Target.DeregistrationInProgress':
    case 'Target.NotRegistered':
      return 'the server task is leaving the target group: a deployment is replacing it, or the task stopped (see the service checks)';
    default:
      return `the target is unhealthy (${reason ?? 'no reason given'}): read \`platform-ops logs --service api\``;
  }
}

/** Targets of one target group with their health. */
export interface TargetGroupHealth {
  readonly name: string;
  readonly targets: readonly TargetHealthDescription[];
}

/** Judges the targets of the server's target groups (kept apart from the SDK calls for unit tests). */
export function judgeTargets(groups: readonly TargetGroupHealth[], dns: string): CheckResult {
  if (groups.length === 0) {
    return fail(ID, TITLE, `load balancer ${dns} has no target groups`, 'apply the platform stack: it creates the server target group and listener');
  }
  const parts: string[] = [];
  let firstProblem: TargetHealthDescription | undefined;
  let healthyGroups = 0;
  for (const g of groups) {
    const healthy = g.targets.filter((t) => t.TargetHealth?.State === 'healthy');
    if (healthy.length > 0) healthyGroups++;
    const others = g.targets.filter((t) => t.TargetHealth?.State !== 'healthy');
    firstProblem ??= others[0];
    const detail = others.map((t) => `${t.Target?.Id}:${t.Target?.Port} ${t.TargetHealth?.State}${t.TargetHealth?.Reason ? ` (${t.TargetHealth.Reason})` : ''}`);
    parts.push(`${g.name}: ${healthy.length}/${g.targets.length} healthy${detail.length ? ` [${detail.join(', ')}]` : ''}`);
  }
  const found = parts.join('; ');
  if (healthyGroups === groups.length) return pass(ID, TITLE, found);
  if (!firstProblem) {
    return fail(ID, TITLE, found, 'no target is registered: the server service runs no task (see the ECS service checks)');
  }
  return fail(ID, TITLE, found, explainTargetHealth(firstProblem.TargetHealth?.Reason, firstProblem.TargetHealth?.Description));
}

/** Finds the ALB by its DNS name (an infra output) and reads the health of every target. */
export async function checkLoadBalancer(ctx: DoctorContext): Promise<CheckResult> {
  const dns = ctx.outputs.alb_dns_name;
  if (!dns) return fail(ID, TITLE, 'no alb_dns_name', missingOutput('alb_dns_name'));
  try {
    let alb: LoadBalancer | undefined;
    let marker: string | undefined;
    do {
      const page = await ctx.aws.elbv2.send(new DescribeLoadBalancersCommand({ Marker: marker }));
      alb = page.LoadBalancers?.find((lb) => lb.DNSName?.toLowerCase() === dns.toLowerCase());
      marker = page.NextMarker;
    } while (!alb && marker);
    if (!alb?.LoadBalancerArn) {
      return fail(ID, TITLE, `no load balancer named ${dns} in ${ctx.config.aws.region}`, 'apply the platform stack, or refresh the infra outputs file');
    }
    const tgs = await ctx.aws.elbv2.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: alb.LoadBalancerArn }));
    const groups = [];
    for (const tg of tgs.TargetGroups ?? []) {
      const health = await ctx.aws.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }));
      groups.push({ name: tg.TargetGroupName ?? tg.TargetGroupArn ?? '?', targets: health.TargetHealthDescriptions ?? [] });
    }
    return judgeTargets(groups, dns);
  } catch (err) {
    return fail(ID, TITLE, `ELB API failed: ${messageOf(err)}`, 'check AWS credentials and region (elasticloadbalancing:Describe*)');
  }
}
