import { DescribeSecurityGroupsCommand, IpPermission } from '@aws-sdk/client-ec2';
import { DBCluster, DescribeDBClustersCommand } from '@aws-sdk/client-rds';
import { messageOf } from '@blog-data/cli-kit';
import { databaseClusterIdentifier } from '@blog-data/config';
import { CheckResult, DoctorContext, fail, missingOutput, pass } from './types';

const POSTGRES_PORT = 5432;

/** Whether an ingress rule admits `groupId` on 5432 (tcp, or all traffic). */
export function admitsGroupOnPostgres(permissions: readonly IpPermission[], groupId: string): boolean {
  return permissions.some((p) => {
    const protocolOk = p.IpProtocol === 'tcp' || p.IpProtocol === '-1' || p.IpProtocol === '6';
    const portOk = p.IpProtocol === '-1' || ((p.FromPort ?? 0) <= POSTGRES_PORT && POSTGRES_PORT <= (p.ToPort ?? 65535));
    return protocolOk && portOk && (p.UserIdGroupPairs ?? []).some((pair) => pair.GroupId === groupId);
  });
}

/**
 * Aurora is `available`, and its security group admits the Prefect server's
 * group on 5432. Only the server talks to the database (infra's security
 * groups: workers and flow runs use the API), so the server group is required
 * and the others are reported. A missing rule shows up as database connection
 * time-outs in the server's logs and ALB health-check time-outs.
 */
export async function checkDatabase(ctx: DoctorContext): Promise<CheckResult[]> {
  const statusId = 'aurora-status';
  const identifier = databaseClusterIdentifier(ctx.config);
  const statusTitle = `Aurora cluster ${identifier} is available`;
  const sgId = 'aurora-security-group';
  const sgTitle = `database security group admits the Prefect server on ${POSTGRES_PORT}`;

  let cluster: DBCluster | undefined;
  try {
    const res = await ctx.aws.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifier }));
    cluster = res.DBClusters?.[0];
  } catch (err) {
    const notFound = (err as Error).name === 'DBClusterNotFoundFault';
    const found = notFound ? `no cluster ${identifier}` : `RDS API failed: ${messageOf(err)}`;
    const fix = notFound ? 'apply the platform stack, or check --env and PLATFORM_PROJECT' : 'check AWS credentials and region (rds:DescribeDBClusters)';
    return [fail(statusId, statusTitle, found, fix), fail(sgId, sgTitle, 'not checked: no cluster', fix)];
  }
  if (!cluster) return [fail(statusId, statusTitle, `no cluster ${identifier}`, 'apply the platform stack'), fail(sgId, sgTitle, 'not checked: no cluster', 'apply the platform stack')];

  const status = cluster.Status ?? 'unknown';
  const capacity = cluster.ServerlessV2ScalingConfiguration
    ? `, ${cluster.ServerlessV2ScalingConfiguration.MinCapacity}–${cluster.ServerlessV2ScalingConfiguration.MaxCapacity} ACU` : '';
  const found = `status ${status}, ${cluster.Engine ?? ''} ${cluster.EngineVersion ?? ''}${capacity}`.replace(/\s+/g, ' ');
  const statusResult = status === 'available'
    ? pass(statusId, statusTitle, found)
    : fail(statusId, statusTitle, found, status === 'stopped'
      ? `the cluster is stopped and the server times out connecting: \`aws rds start-db-cluster --db-cluster-identifier ${identifier}\``
      : `the server cannot use the database while it is ${status}: wait for \`available\` (modifications and reboots take minutes) and run doctor again`);

  const serverSg = ctx.outputs.server_security_group_id;
  if (!serverSg) return [statusResult, fail(sgId, sgTitle, 'no server_security_group_id', missingOutput('server_security_group_id'))];
  const groupIds = (cluster.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId).filter((g): g is string => !!g);
  if (groupIds.length === 0) return [statusResult, fail(sgId, sgTitle, 'the cluster has no VPC security group', 'apply the platform stack')];
  try {
    const res = await ctx.aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: groupIds }));
    const permissions = (res.SecurityGroups ?? []).flatMap((g) => g.IpPermissions ?? []);
    const others = Object.entries({
      'worker': ctx.outputs.worker_security_group_id,
      'flow-run': ctx.outputs.flow_run_security_group_id,
    }).filter(([, id]) => id && admitsGroupOnPostgres(permissions, id)).map(([name]) => name);
    const extra = others.length > 0 ? `; also admits ${others.join(', ')}` : '';
    if (admitsGroupOnPostgres(permissions, serverSg)) {
      return [statusResult, pass(sgId, sgTitle, `${groupIds.join(', ')} admits ${serverSg} (server) on ${POSTGRES_PORT}${extra}`)];
    }
    return [statusResult, fail(sgId, sgTitle, `${groupIds.join(', ')} has no ${POSTGRES_PORT} rule from ${serverSg} (server)${extra}`,
      `the server's database connections time out: add ingress tcp ${POSTGRES_PORT} from ${serverSg} to ${groupIds[0]} (infra's security-groups construct does; re-apply the platform stack)`)];
  } catch (err) {
    return [statusResult, fail(sgId, sgTitle, `EC2 API failed: ${messageOf(err)}`, 'check AWS credentials and region (ec2:DescribeSecurityGroups)')];
  }
}
