import { configFor, one, resources, synthBoth, WITH_ALB } from './helpers';

const ingress = 'aws_vpc_security_group_ingress_rule';
const egress = 'aws_vpc_security_group_egress_rule';

/** Rules of a group, as `port/protocol <- peer` strings (peer = group name or CIDR). */
function rules(s: ReturnType<typeof synthBoth>['platform'], type: string, group: string): string[] {
  const groupRef = (name: string) => `\${aws_security_group.security-groups_${name}_`;
  return Object.values(resources(s, type))
    .filter((r) => (r.security_group_id as string).startsWith(groupRef(group)))
    .map((r) => {
      const peer = r.cidr_ipv4 ?? (r.prefix_list_id ? 'cloudfront-prefix-list' : undefined) ?? (r.referenced_security_group_id as string).replace(/^\$\{aws_security_group\.security-groups_([a-z-]+)_.*$/, '$1');
      return `${r.from_port}-${r.to_port}/${r.ip_protocol} ${peer}`;
    })
    .sort();
}

describe('network', () => {
  it('creates a VPC over two zones with public subnets and no NAT gateway by default', () => {
    const { platform } = synthBoth(configFor('dev', WITH_ALB));
    expect(one(platform, 'aws_vpc')).toMatchObject({ cidr_block: '10.40.0.0/16', enable_dns_hostnames: true });
    const subnets = Object.values(resources(platform, 'aws_subnet'));
    expect(subnets).toHaveLength(2);
    expect(subnets.every((s) => s.tags.Tier === 'public')).toBe(true);
    expect(resources(platform, 'aws_nat_gateway')).toEqual({});
    expect(resources(platform, 'aws_vpc_endpoint')).toEqual({});
    expect(platform.output.assign_public_ip.value).toBe(true);
  });

  it('puts tasks in private subnets behind one NAT gateway when asked', () => {
    const { platform } = synthBoth(configFor('dev', { network: { mode: 'create', privateSubnets: true, natGateway: true } }));
    const subnets = Object.values(resources(platform, 'aws_subnet'));
    expect(subnets.filter((s) => s.tags.Tier === 'private')).toHaveLength(2);
    expect(Object.keys(resources(platform, 'aws_nat_gateway'))).toHaveLength(1);
    expect(platform.output.assign_public_ip.value).toBe(false);
    expect(JSON.stringify(platform.output.task_subnet_ids.value)).toContain('network_private-');
  });

  it('uses interface endpoints (ECR, logs, secrets, STS) and an S3 gateway instead of NAT when asked', () => {
    const { platform } = synthBoth(
      configFor('dev', { network: { mode: 'create', privateSubnets: true, natGateway: false, vpcEndpoints: true } }),
    );
    const services = Object.values(resources(platform, 'aws_vpc_endpoint')).map((e) => e.service_name as string);
    expect(services).toEqual(
      expect.arrayContaining(['ecr.api', 'ecr.dkr', 'logs', 'secretsmanager', 'sts', 's3'].map((s) => `com.amazonaws.eu-west-2.${s}`)),
    );
    expect(resources(platform, 'aws_nat_gateway')).toEqual({});
  });

  it('reuses an existing VPC and subnets without creating any', () => {
    const { platform } = synthBoth(
      configFor('dev', {
        ...WITH_ALB,
        network: {
          mode: 'existing',
          vpcId: 'vpc-0123456789abcdef0',
          publicSubnetIds: ['subnet-0000000a', 'subnet-0000000b'],
          privateSubnetIds: ['subnet-0000000c', 'subnet-0000000d'],
        },
      } as never),
    );
    expect(resources(platform, 'aws_vpc')).toEqual({});
    expect(resources(platform, 'aws_subnet')).toEqual({});
    expect(platform.output.vpc_id.value).toBe('vpc-0123456789abcdef0');
    expect(platform.output.task_subnet_ids.value).toBe('${tolist(["subnet-0000000c", "subnet-0000000d"])}');
    expect(platform.output.assign_public_ip.value).toBe(false);
    expect(one(platform, 'aws_lb').subnets).toEqual(['subnet-0000000a', 'subnet-0000000b']);
  });
});

describe('security groups', () => {
  const { platform } = synthBoth(configFor('dev', WITH_ALB));
  const insecure = synthBoth(configFor('dev', { endpoint: 'insecure-http' })).platform;

  it('admits 4200 on the server only from the ALB and ECS tasks', () => {
    expect(rules(platform, ingress, 'server')).toEqual(['4200-4200/tcp alb', '4200-4200/tcp flow-run', '4200-4200/tcp worker']);
  });

  it('lets the server out only to PostgreSQL, HTTPS and DNS', () => {
    expect(rules(platform, egress, 'server')).toEqual([
      '443-443/tcp 0.0.0.0/0',
      '53-53/tcp 0.0.0.0/0',
      '53-53/udp 0.0.0.0/0',
      '5432-5432/tcp database',
    ]);
  });

  it('admits 5432 on the database only from the server, and lets nothing out', () => {
    expect(rules(platform, ingress, 'database')).toEqual(['5432-5432/tcp server']);
    expect(rules(platform, egress, 'database')).toEqual([]);
  });

  it('behind CloudFront: admits only CloudFront\'s origin-facing servers on 80, and lets the ALB reach only the server', () => {
    expect(rules(platform, ingress, 'alb')).toEqual(['80-80/tcp cloudfront-prefix-list']);
    expect(rules(platform, egress, 'alb')).toEqual(['4200-4200/tcp server']);
    expect(one(platform, 'aws_vpc_security_group_ingress_rule', 'alb-in').prefix_list_id).toMatch(
      /^\$\{data\.aws_ec2_managed_prefix_list\.security-groups_cloudfront-origin-facing_\w+\.id\}$/,
    );
    expect(Object.values(platform.data!.aws_ec2_managed_prefix_list)).toEqual([{ name: 'com.amazonaws.global.cloudfront.origin-facing' }]);
  });

  it('with explicit insecure HTTP (dev): opens the ALB to the internet on 80 only', () => {
    expect(rules(insecure, ingress, 'alb')).toEqual(['80-80/tcp 0.0.0.0/0']);
    expect(rules(insecure, egress, 'alb')).toEqual(['4200-4200/tcp server']);
  });

  it('opens 80 and 443 with a domain, and tasks then reach the API over HTTPS only', () => {
    const withDomain = synthBoth(configFor('dev', { ...WITH_ALB, domain: { name: 'prefect.example.com', hostedZoneId: 'Z0123456789ABC' } })).platform;
    expect(rules(withDomain, ingress, 'alb')).toEqual(['443-443/tcp 0.0.0.0/0', '80-80/tcp 0.0.0.0/0']);
    expect(rules(withDomain, egress, 'worker')).toEqual(['4200-4200/tcp server', '443-443/tcp 0.0.0.0/0', '53-53/udp 0.0.0.0/0']);
  });

  it('lets worker and flow-run tasks out to HTTPS (CloudFront), the server and DNS only', () => {
    for (const group of ['worker', 'flow-run']) {
      expect(rules(platform, egress, group)).toEqual(['4200-4200/tcp server', '443-443/tcp 0.0.0.0/0', '53-53/udp 0.0.0.0/0']);
    }
  });

  it('with insecure HTTP lets worker and flow-run tasks out to the ALB over HTTP too', () => {
    for (const group of ['worker', 'flow-run']) {
      expect(rules(insecure, egress, group)).toEqual([
        '4200-4200/tcp server',
        '443-443/tcp 0.0.0.0/0',
        '53-53/udp 0.0.0.0/0',
        '80-80/tcp 0.0.0.0/0',
      ]);
      expect(rules(insecure, ingress, group)).toEqual([]);
    }
  });

  it('removes the default allow-all egress by declaring groups without inline rules', () => {
    for (const sg of Object.values(resources(platform, 'aws_security_group'))) {
      expect(sg.egress).toBeUndefined();
      expect(sg.ingress).toBeUndefined();
      // Replaced create-before-destroy, so named by prefix (two groups cannot share a name).
      expect(sg).toMatchObject({ name_prefix: expect.stringMatching(/^blog-data-dev-[a-z-]+-$/), lifecycle: { create_before_destroy: true } });
      expect(sg.name).toBeUndefined();
    }
  });
});
