import type { PlatformConfig } from '@blog-data/config';
import { DataAwsAvailabilityZones } from '@cdktf/provider-aws/lib/data-aws-availability-zones';
import { Eip } from '@cdktf/provider-aws/lib/eip';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';

/** Properties of {@link Network}. */
export interface NetworkProps {
  /** `config.network`: create a VPC, or reuse existing VPC/subnet ids. Required. */
  readonly network: PlatformConfig['network'];
  /** Prefix of resource names, e.g. `blog-data-dev`. Required. */
  readonly namePrefix: string;
  /** Region, for the VPC endpoint service names. Required. */
  readonly region: string;
}

/** Interface endpoints a task in a private subnet without NAT needs: image pull, logs, secrets, STS. */
const INTERFACE_ENDPOINTS = ['ecr.api', 'ecr.dkr', 'logs', 'secretsmanager', 'sts', 'ecs'] as const;

/**
 * Where everything runs. `create`: a VPC over `azCount` zones with public
 * subnets (ALB, and tasks with public IPs: no NAT, the cheap default), or with
 * private subnets for tasks and the database, reaching AWS through one NAT
 * gateway and/or VPC endpoints. `existing`: the given VPC and subnet ids.
 */
export class Network extends Construct {
  /** VPC id. */
  readonly vpcId: string;
  /** Subnets of the internet-facing ALB (two or more zones). */
  readonly publicSubnetIds: string[];
  /** Subnets ECS tasks run in. */
  readonly taskSubnetIds: string[];
  /** Subnets of the database subnet group. */
  readonly databaseSubnetIds: string[];
  /** Whether tasks need a public IP to reach ECR and AWS APIs (true in public subnets). */
  readonly assignPublicIp: boolean;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const net = props.network;
    if (net.mode === 'existing') {
      if (net.publicSubnetIds.length < 2) {
        throw new Error(`Network.network.publicSubnetIds: needs at least 2 subnets (got ${net.publicSubnetIds.length})`);
      }
      this.vpcId = net.vpcId;
      this.publicSubnetIds = [...net.publicSubnetIds];
      const privateIds = net.privateSubnetIds.length > 0 ? [...net.privateSubnetIds] : undefined;
      this.taskSubnetIds = privateIds ?? this.publicSubnetIds;
      this.databaseSubnetIds = this.taskSubnetIds;
      this.assignPublicIp = privateIds === undefined;
      return;
    }
    if (net.azCount < 2 || net.azCount > 3) {
      throw new Error(`Network.network.azCount: ${net.azCount} must be 2 or 3`);
    }
    if (net.privateSubnets && !net.natGateway && !net.vpcEndpoints) {
      throw new Error('Network.network.privateSubnets: needs natGateway or vpcEndpoints, or tasks cannot pull images');
    }

    const zones = new DataAwsAvailabilityZones(this, 'zones', { state: 'available' });
    const vpc = new Vpc(this, 'vpc', {
      cidrBlock: net.cidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: props.namePrefix },
    });
    this.vpcId = vpc.id;
    const igw = new InternetGateway(this, 'igw', { vpcId: vpc.id, tags: { Name: props.namePrefix } });
    const publicRoutes = new RouteTable(this, 'public-routes', {
      vpcId: vpc.id,
      route: [{ cidrBlock: '0.0.0.0/0', gatewayId: igw.id }],
      tags: { Name: `${props.namePrefix}-public` },
    });

    // /20 per subnet: public ones first (netnum 0..n-1), private ones from 8 on.
    const zone = (i: number) => Fn.element(zones.names, i);
    const publicSubnets = range(net.azCount).map(
      (i) =>
        new Subnet(this, `public-${i}`, {
          vpcId: vpc.id,
          cidrBlock: Fn.cidrsubnet(net.cidr, 4, i),
          availabilityZone: zone(i),
          mapPublicIpOnLaunch: false,
          tags: { Name: `${props.namePrefix}-public-${i}`, Tier: 'public' },
        }),
    );
    publicSubnets.forEach(
      (subnet, i) => new RouteTableAssociation(this, `public-${i}-routes`, { subnetId: subnet.id, routeTableId: publicRoutes.id }),
    );
    this.publicSubnetIds = publicSubnets.map((s) => s.id);

    if (!net.privateSubnets) {
      this.taskSubnetIds = this.publicSubnetIds;
      this.databaseSubnetIds = this.publicSubnetIds;
      this.assignPublicIp = true;
      return;
    }

    const privateSubnets = range(net.azCount).map(
      (i) =>
        new Subnet(this, `private-${i}`, {
          vpcId: vpc.id,
          cidrBlock: Fn.cidrsubnet(net.cidr, 4, 8 + i),
          availabilityZone: zone(i),
          tags: { Name: `${props.namePrefix}-private-${i}`, Tier: 'private' },
        }),
    );
    let natGatewayId: string | undefined;
    if (net.natGateway) {
      // One NAT gateway, not one per zone: a zone outage stops new flow runs, which is an accepted trade for ~$33/month each.
      const eip = new Eip(this, 'nat-ip', { domain: 'vpc', tags: { Name: `${props.namePrefix}-nat` } });
      natGatewayId = new NatGateway(this, 'nat', {
        allocationId: eip.id,
        subnetId: publicSubnets[0].id,
        tags: { Name: props.namePrefix },
        dependsOn: [igw],
      }).id;
    }
    const privateRoutes = new RouteTable(this, 'private-routes', {
      vpcId: vpc.id,
      route: natGatewayId ? [{ cidrBlock: '0.0.0.0/0', natGatewayId }] : [],
      tags: { Name: `${props.namePrefix}-private` },
    });
    privateSubnets.forEach(
      (subnet, i) => new RouteTableAssociation(this, `private-${i}-routes`, { subnetId: subnet.id, routeTableId: privateRoutes.id }),
    );

    if (net.vpcEndpoints) {
      const endpointSg = new SecurityGroup(this, 'endpoints-sg', {
        name: `${props.namePrefix}-vpc-endpoints`,
        description: 'HTTPS from inside the VPC to the AWS interface endpoints',
        vpcId: vpc.id,
      });
      new VpcSecurityGroupIngressRule(this, 'endpoints-https', {
        securityGroupId: endpointSg.id,
        description: 'HTTPS from the VPC',
        ipProtocol: 'tcp',
        fromPort: 443,
        toPort: 443,
        cidrIpv4: net.cidr,
      });
      for (const service of INTERFACE_ENDPOINTS) {
        new VpcEndpoint(this, `endpoint-${service.replace('.', '-')}`, {
          vpcId: vpc.id,
          serviceName: `com.amazonaws.${props.region}.${service}`,
          vpcEndpointType: 'Interface',
          privateDnsEnabled: true,
          subnetIds: privateSubnets.map((s) => s.id),
          securityGroupIds: [endpointSg.id],
        });
      }
      // ECR stores layers in S3: the gateway endpoint is free.
      new VpcEndpoint(this, 'endpoint-s3', {
        vpcId: vpc.id,
        serviceName: `com.amazonaws.${props.region}.s3`,
        vpcEndpointType: 'Gateway',
        routeTableIds: [privateRoutes.id],
      });
    }

    this.taskSubnetIds = privateSubnets.map((s) => s.id);
    this.databaseSubnetIds = this.taskSubnetIds;
    this.assignPublicIp = false;
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
