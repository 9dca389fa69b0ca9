import { ecrRegistryHost, hasLoadBalancer, imageReference, loadConfig, mergeDeep, namePrefix, privateBaseUrl, privateDnsNamespace, publicBaseUrl } from '../src';

const dev = loadConfig({ env: 'dev', environ: {} });

describe('derived names', () => {
  it('prefixes per-environment resources with project and environment', () => {
    expect(namePrefix(dev)).toBe('blog-data-dev');
  });

  it('builds the ECR image reference by tag, or by digest when pinned', () => {
    expect(ecrRegistryHost(dev)).toBe('111111111111.dkr.ecr.eu-west-2.amazonaws.com');
    expect(imageReference(dev)).toBe('111111111111.dkr.ecr.eu-west-2.amazonaws.com/blog-data:prefect-3-python3.12-ecs');
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(imageReference(dev, digest)).toBe(`111111111111.dkr.ecr.eu-west-2.amazonaws.com/blog-data@${digest}`);
  });

  it('serves https on the domain, else http on the ALB', () => {
    expect(publicBaseUrl(dev, 'alb-1.elb.amazonaws.com')).toBe('http://alb-1.elb.amazonaws.com');
    const withDomain = { ...dev, domain: { name: 'prefect.example.com', hostedZoneId: 'Z123456' } };
    expect(publicBaseUrl(withDomain, 'alb-1.elb.amazonaws.com')).toBe('https://prefect.example.com');
  });

  it('names the private endpoint inside the VPC: a namespace per environment, the server on 4200', () => {
    const privateDev = loadConfig({ env: 'dev', environ: { PLATFORM_ENDPOINT: 'private' } });
    expect(hasLoadBalancer(privateDev)).toBe(false);
    expect(privateDnsNamespace(privateDev)).toBe('blog-data-dev.internal');
    expect(privateBaseUrl(privateDev)).toBe('http://prefect-server.blog-data-dev.internal:4200');
    const staging = loadConfig({ env: 'staging', environ: {} });
    expect(hasLoadBalancer(staging)).toBe(true);
    expect(privateDnsNamespace(staging)).toBe('blog-data-staging.internal');
  });
});

describe('mergeDeep', () => {
  it('merges nested objects and replaces arrays', () => {
    expect(mergeDeep({ a: { b: 1, c: [1, 2] } }, { a: { c: [3] } })).toEqual({ a: { b: 1, c: [3] } });
  });

  it('replaces a network section whole when its mode changes', () => {
    const merged = mergeDeep(
      { network: { mode: 'create', cidr: '10.0.0.0/16' } as Record<string, unknown> },
      { network: { mode: 'existing', vpcId: 'vpc-1' } },
    );
    expect(merged.network).toEqual({ mode: 'existing', vpcId: 'vpc-1' });
  });

  it('merges a section whose mode is a plain setting (scale.mode) field by field', () => {
    const merged = mergeDeep(
      { scale: { mode: 'single', auroraReader: false, api: { minReplicas: 2 } } as Record<string, unknown> },
      { scale: { mode: 'scale-out', auroraReader: true } },
    );
    expect(merged.scale).toEqual({ mode: 'scale-out', auroraReader: true, api: { minReplicas: 2 } });
  });
});
