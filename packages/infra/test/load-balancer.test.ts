import { configFor, one, resources, synthBoth, WITH_ALB } from './helpers';

describe('load balancer', () => {
  const plain = synthBoth(configFor('dev', { endpoint: 'insecure-http' })).platform;
  const domain = { name: 'prefect.example.com', hostedZoneId: 'Z0123456789ABC' };
  const secure = synthBoth(configFor('dev', { ...WITH_ALB, domain })).platform;

  it('is an internet-facing ALB with a long idle timeout for websockets', () => {
    expect(one(plain, 'aws_lb')).toMatchObject({
      load_balancer_type: 'application',
      internal: false,
      idle_timeout: 3600,
      drop_invalid_header_fields: true,
    });
  });

  it('forwards to an ip target group on 4200 that is healthy when /api/health answers 200', () => {
    expect(one(plain, 'aws_lb_target_group')).toMatchObject({
      target_type: 'ip',
      port: 4200,
      protocol: 'HTTP',
      health_check: { path: '/api/health', matcher: '200' },
    });
  });

  it('with explicit insecure HTTP (dev): one plain HTTP listener, no certificate, DNS or CloudFront', () => {
    const listeners = Object.values(resources(plain, 'aws_lb_listener'));
    expect(listeners).toHaveLength(1);
    expect(listeners[0]).toMatchObject({ port: 80, protocol: 'HTTP', default_action: [{ type: 'forward' }] });
    expect(resources(plain, 'aws_acm_certificate')).toEqual({});
    expect(resources(plain, 'aws_route53_record')).toEqual({});
    expect(resources(plain, 'aws_cloudfront_distribution')).toEqual({});
    expect(plain.output.prefect_url.value).toMatch(/^\$\{join\("", \["http:\/\/", aws_lb\.[\w-]+\.dns_name\]\)\}$/);
  });

  it('with a domain: an ACM certificate validated through Route 53 DNS', () => {
    expect(one(secure, 'aws_acm_certificate')).toMatchObject({ domain_name: 'prefect.example.com', validation_method: 'DNS' });
    expect(one(secure, 'aws_route53_record', 'certificate-validation')).toMatchObject({ zone_id: 'Z0123456789ABC' });
    expect(one(secure, 'aws_acm_certificate_validation').validation_record_fqdns).toEqual([
      expect.stringContaining('aws_route53_record.load-balancer_certificate-validation_'),
    ]);
  });

  it('with a domain: HTTPS with a TLS 1.3 policy, HTTP redirected to HTTPS, and an alias record', () => {
    const https = one(secure, 'aws_lb_listener', 'https');
    expect(https).toMatchObject({ port: 443, protocol: 'HTTPS', ssl_policy: 'ELBSecurityPolicy-TLS13-1-2-2021-06', default_action: [{ type: 'forward' }] });
    expect(https.certificate_arn).toContain('aws_acm_certificate_validation');
    expect(one(secure, 'aws_lb_listener', 'http-redirect')).toMatchObject({
      port: 80,
      default_action: [{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', status_code: 'HTTP_301' } }],
    });
    expect(one(secure, 'aws_route53_record', 'alias')).toMatchObject({
      name: 'prefect.example.com',
      type: 'A',
      zone_id: 'Z0123456789ABC',
      alias: { evaluate_target_health: true },
    });
    expect(secure.output.prefect_url.value).toBe('https://prefect.example.com');
    expect(secure.output.prefect_api_url.value).toBe('https://prefect.example.com/api');
  });

  it('behind CloudFront (no domain, the default): the ALB is internal and only reachable as a VPC origin', () => {
    const cf = synthBoth(configFor('staging')).platform;
    expect(one(cf, 'aws_lb')).toMatchObject({ internal: true });
    expect(Object.values(resources(cf, 'aws_lb_listener'))).toEqual([expect.objectContaining({ port: 80, protocol: 'HTTP' })]);
    expect(one(cf, 'aws_cloudfront_vpc_origin').vpc_origin_endpoint_config).toEqual([
      {
        name: 'blog-data-staging-alb',
        arn: expect.stringMatching(/^\$\{aws_lb\.load-balancer_alb_\w+\.arn\}$/),
        http_port: 80,
        https_port: 443,
        origin_protocol_policy: 'http-only',
        origin_ssl_protocols: [{ items: ['TLSv1.2'], quantity: 1 }],
      },
    ]);
  });

  it('behind CloudFront: HTTPS on CloudFront\'s certificate, HTTP redirected, nothing cached, Authorization forwarded', () => {
    const cf = synthBoth(configFor('staging')).platform;
    const distribution = one(cf, 'aws_cloudfront_distribution');
    expect(distribution).toMatchObject({
      enabled: true,
      viewer_certificate: { cloudfront_default_certificate: true },
      origin: [{ domain_name: expect.stringContaining('aws_lb.load-balancer_alb_'), vpc_origin_config: { vpc_origin_id: expect.stringContaining('aws_cloudfront_vpc_origin.') } }],
      default_cache_behavior: {
        viewer_protocol_policy: 'redirect-to-https',
        allowed_methods: expect.arrayContaining(['GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'OPTIONS']),
        origin_request_policy_id: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
      },
    });
    expect(distribution.origin[0].custom_origin_config).toBeUndefined();
    expect(one(cf, 'aws_cloudfront_cache_policy')).toMatchObject({
      default_ttl: 0,
      min_ttl: 0,
      parameters_in_cache_key_and_forwarded_to_origin: { headers_config: { header_behavior: 'whitelist', headers: { items: ['Authorization'] } } },
    });
    expect(cf.output.prefect_api_url.value).toMatch(/^\$\{join\("", \["https:\/\/", aws_cloudfront_distribution\.[\w-]+\.domain_name, "\/api"\]\)\}$/);
  });

  it('in the emulator (no CloudFront VPC origins in moto): the internal ALB and its CloudFront-only group, no distribution', () => {
    const emu = synthBoth(configFor('dev', WITH_ALB), { backend: 'local', emulatorEndpoint: 'http://127.0.0.1:1' }).platform;
    expect(one(emu, 'aws_lb')).toMatchObject({ internal: true });
    expect(resources(emu, 'aws_cloudfront_distribution')).toEqual({});
    expect(one(emu, 'aws_vpc_security_group_ingress_rule', 'alb-in').prefix_list_id).toContain('aws_ec2_managed_prefix_list');
  });

  it('protects the prod ALB from deletion', () => {
    expect(one(plain, 'aws_lb').enable_deletion_protection).toBe(false);
    expect(one(synthBoth(configFor('prod')).platform, 'aws_lb').enable_deletion_protection).toBe(true);
  });
});
