import { checkAlarmSubscribers } from './alarm-subscribers';
import { checkLoadBalancer } from './alb';
import { checkDatabase } from './database';
import { checkService, serviceRoles } from './ecs';
import { checkImage } from './image';
import { checkLogSignatures } from './log-signatures';
import { checkPrefect } from './prefect';
import { checkPrivateName, isPrivateEndpoint, prefectNotReachable } from './private-name';
import { readAsleep } from './schedule';
import { checkSecrets } from './secrets';
import type { CheckResult, DoctorContext, DoctorReport } from './types';

/**
 * Runs every check (independent ones in parallel) and returns them in the
 * order an operator reads them: image, services, load balancer, API, database,
 * secrets, then the runbook's signatures in the logs. Never throws for a failing environment: failures are results.
 */
export async function runDoctor(ctx: DoctorContext): Promise<DoctorReport> {
  // Scaled to 0 by its schedule, the services, the ALB's targets and the API are down by design.
  const asleep = await readAsleep(ctx);
  // A private endpoint has no load balancer, and its URL answers inside the VPC only (unless
  // --prefect-url points at a tunnel).
  const privateEndpoint = isPrivateEndpoint(ctx);
  const running: Promise<CheckResult[]>[] = asleep
    ? [Promise.resolve([asleep.check])]
    : [
      ...serviceRoles(ctx).map((role) => checkService(ctx, role)),
      (privateEndpoint ? checkPrivateName(ctx) : checkLoadBalancer(ctx)).then((r) => [r]),
      privateEndpoint && !ctx.prefectUrl ? Promise.resolve([prefectNotReachable(ctx)]) : checkPrefect(ctx),
    ];
  const groups = await Promise.all<CheckResult[]>([
    checkImage(ctx).then((r) => [r]),
    ...running,
    checkDatabase(ctx),
    checkSecrets(ctx).then((r) => [r]),
    checkLogSignatures(ctx).then((r) => [r]),
    checkAlarmSubscribers(ctx).then((r) => [r]),
  ]);
  const checks = groups.flat();
  return { env: ctx.config.env, ok: checks.every((c) => c.ok), ...(asleep?.complete ? { asleepUntil: asleep.untilLocal } : {}), checks };
}

export * from './types';
export { checkImage } from './image';
export { checkService, explainStop, SERVICES, serviceRoles } from './ecs';
export { checkLoadBalancer, judgeTargets, explainTargetHealth } from './alb';
export { checkPrefect, judgeWorkers, prefectBaseUrl } from './prefect';
export { checkDatabase, admitsGroupOnPostgres } from './database';
export { checkSecrets } from './secrets';
export { readAsleep } from './schedule';
export { checkPrivateName, isPrivateEndpoint, prefectNotReachable } from './private-name';
export type { Asleep } from './schedule';
export { checkAlarmSubscribers, describeSubscriber, judgeSubscribers } from './alarm-subscribers';
export { checkLogSignatures, RUNBOOK_SIGNATURES } from './log-signatures';
