import { alarmState } from './alarm-evaluator';
import { configFor, containers, one, resources, synthBoth } from './helpers';

/** Dev's default: no load balancer, the server under a Cloud Map name, ECS Exec for people. */
describe('private endpoint (no load balancer)', () => {
  const { platform, bootstrap } = synthBoth(configFor('dev'));
  const byPort = (type: string, groupPart: string) =>
    Object.values(resources(platform, type))
      .filter((r) => JSON.stringify(r.security_group_id).includes(groupPart))
      .map((r) => `${r.from_port}/${r.ip_protocol} ${r.referenced_security_group_id ? String(r.referenced_security_group_id).replace(/.*security-groups_([a-z-]+)_.*/, '$1') : r.cidr_ipv4 ?? r.prefix_list_id}`)
      .sort();

  it('creates no ALB, target group, listener, CloudFront distribution or ALB security group', () => {
    for (const type of ['aws_lb', 'aws_lb_target_group', 'aws_lb_listener', 'aws_cloudfront_distribution', 'aws_cloudfront_vpc_origin']) {
      expect(resources(platform, type)).toEqual({});
    }
    expect(Object.keys(resources(platform, 'aws_security_group')).some((name) => name.includes('_alb_'))).toBe(false);
    expect(Object.keys(resources(platform, 'aws_cloudwatch_metric_alarm')).filter((n) => /alb|targets|server-5xx/.test(n))).toEqual([]);
  });

  it('registers the server in a private DNS namespace of the VPC and turns ECS Exec on', () => {
    expect(one(platform, 'aws_service_discovery_private_dns_namespace')).toMatchObject({ name: 'blog-data-dev.internal', vpc: expect.stringMatching(/aws_vpc\.network_vpc/) });
    const name = one(platform, 'aws_service_discovery_service');
    expect(name).toMatchObject({ name: 'prefect-server', dns_config: { routing_policy: 'MULTIVALUE', dns_records: [{ type: 'A', ttl: 10 }] }, force_destroy: true });
    expect(name.health_check_custom_config).toEqual({});
    const service = one(platform, 'aws_ecs_service', 'prefect-server');
    expect(service.service_registries).toEqual({ registry_arn: expect.stringMatching(/aws_service_discovery_service\.private-name_server_\w+\.arn/) });
    expect(service.load_balancer).toBeUndefined();
    expect(service.enable_execute_command).toBe(true);
    // Only the server: the worker has no inbound and nothing to forward.
    expect(one(platform, 'aws_ecs_service', 'prefect-worker').enable_execute_command).toBeFalsy();
  });

  it('admits 4200 on the server from the worker (and deployer) and flow-run groups only', () => {
    expect(byPort('aws_vpc_security_group_ingress_rule', 'security-groups_server_')).toEqual(['4200/tcp flow-run', '4200/tcp worker']);
    // No plain-HTTP egress to the internet: the API is inside the VPC.
    expect(byPort('aws_vpc_security_group_egress_rule', 'security-groups_worker_')).toEqual(['4200/tcp server', '443/tcp 0.0.0.0/0', '53/udp 0.0.0.0/0']);
  });

  it('points the worker and the deployer at the private name, and the UI at the tunnel', () => {
    const env = (part: string) => Object.fromEntries((containers(one(platform, 'aws_ecs_task_definition', part))[0].environment as { name: string; value: string }[]).map((e) => [e.name, e.value]));
    expect(env('prefect-worker').PREFECT_API_URL).toBe('http://prefect-server.blog-data-dev.internal:4200/api');
    expect(env('deployer').PREFECT_API_URL).toBe('http://prefect-server.blog-data-dev.internal:4200/api');
    expect(env('prefect-server_task')).toMatchObject({ PREFECT_UI_URL: 'http://localhost:4200', PREFECT_UI_API_URL: 'http://localhost:4200/api' });
    expect(platform.output.endpoint.value).toBe('private');
    expect(platform.output.prefect_url.value).toBe('http://prefect-server.blog-data-dev.internal:4200');
    expect(platform.output.alb_dns_name).toBeUndefined();
  });

  it('gives the server task role the ECS Exec channel only, and lets the deploy role manage the namespace', () => {
    const policy = JSON.parse(one(platform, 'aws_iam_role_policy', 'iam_server_policy-exec-command').policy as string) as { Statement: { Action: string[] }[] };
    expect(policy.Statement.flatMap((s) => s.Action)).toEqual([
      'ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel',
    ]);
    const deploy = JSON.stringify(one(bootstrap, 'aws_iam_role_policy', 'deploy_policy').policy);
    expect(deploy).toContain('PrivateNamesOfTheEnvironment');
    // The load-balancer shape keeps the server role without any permission and the deploy role without Cloud Map.
    const alb = synthBoth(configFor('dev', { endpoint: 'cloudfront' }));
    expect(resources(alb.platform, 'aws_iam_role_policy')).not.toHaveProperty(Object.keys(resources(platform, 'aws_iam_role_policy')).find((n) => n.includes('exec-command'))!);
    expect(JSON.stringify(one(alb.bootstrap, 'aws_iam_role_policy', 'deploy_policy').policy)).not.toContain('servicediscovery');
  });

  it('alarms on a server that runs no task while the worker does (no ALB to count healthy targets)', () => {
    const alarm = one(platform, 'aws_cloudwatch_metric_alarm', 'server-not-running');
    expect(alarm.alarm_name).toBe('blog-data-dev-server-not-running');
    expect(JSON.stringify(alarm.metric_query)).toContain('tasks missing while the worker runs');
    const five = (v: number | undefined) => Array.from({ length: 5 }, () => v);
    // Without Container Insights: `server` is the worker's CPU samples (the witness), `running` the server's.
    expect(alarmState(alarm, { server: five(1), running: five(undefined) })).toBe('ALARM');
    expect(alarmState(alarm, { server: five(1), running: five(1) })).toBe('OK');
    // The schedule's night: nothing runs, nothing is missing.
    expect(alarmState(alarm, { server: five(undefined), running: five(undefined) })).toBe('OK');
  });

  it('tracks CPU only when scaled out without an ALB', () => {
    const scaled = synthBoth(configFor('staging', { endpoint: 'private', scale: { mode: 'scale-out' } })).platform;
    const policies = Object.values(resources(scaled, 'aws_appautoscaling_policy')).map((p) => p.target_tracking_scaling_policy_configuration.predefined_metric_specification.predefined_metric_type);
    expect(policies).toEqual(['ECSServiceAverageCPUUtilization']);
  });
});
