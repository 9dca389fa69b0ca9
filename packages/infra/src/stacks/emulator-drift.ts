import { Aspects, IAspect, TerraformResource, TerraformStack } from 'cdktf';
import { IConstruct } from 'constructs';

/**
 * Attributes the AWS emulator (moto 5.2) accepts on create but does not report
 * back, so every plan after an apply would try to set them again. Only in
 * emulator mode are they added to `lifecycle.ignore_changes`; real AWS plans
 * stay strict. Each entry is a gap in moto, not in the configuration:
 */
export const EMULATOR_IGNORED_DRIFT: Readonly<Record<string, readonly string[]>> = {
  // DescribeServices omits healthCheckGracePeriodSeconds, availabilityZoneRebalancing and
  // enableExecuteCommand (moto has no ECS Exec).
  aws_ecs_service: ['health_check_grace_period_seconds', 'availability_zone_rebalancing', 'enable_execute_command'],
  // Cloud Map's GetService omits HealthCheckCustomConfig (a replacement every plan otherwise) and
  // answers an empty tag map.
  aws_service_discovery_service: ['health_check_custom_config', 'tags'],
  // DescribeDBInstances omits the Performance Insights fields of Aurora instances.
  aws_rds_cluster_instance: [
    'performance_insights_enabled',
    'performance_insights_kms_key_id',
    'performance_insights_retention_period',
  ],
  // DescribeSecurityGroupRules drops the description of rules that reference a group.
  aws_vpc_security_group_ingress_rule: ['description'],
  aws_vpc_security_group_egress_rule: ['description'],
};

class IgnoreEmulatorDrift implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof TerraformResource)) return;
    const ignored = EMULATOR_IGNORED_DRIFT[node.terraformResourceType];
    if (!ignored) return;
    const current = node.lifecycle?.ignoreChanges;
    if (current === 'all') return;
    node.lifecycle = { ...node.lifecycle, ignoreChanges: [...new Set([...(current ?? []), ...ignored])] };
  }
}

/** Applies {@link EMULATOR_IGNORED_DRIFT} to every resource of the stack. */
export function ignoreEmulatorDrift(stack: TerraformStack): void {
  Aspects.of(stack).add(new IgnoreEmulatorDrift());
}
