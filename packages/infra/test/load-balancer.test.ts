import { configFor, one, resources, synthBoth } from './helpers';

describe('load balancer', () => {
  const plain = synthBoth(configFor('dev')).platform;
  const domain = { name: 'prefect.example.com', hostedZoneId: 'Z0123456789ABC' };
  const secure = synthBoth(configFor('dev', { domain })).platform;

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

  it('without a domain: one plain HTTP listener and no certificate or DNS', () => {
    const listeners = Object.values(resources(plain, 'aws_lb_listener'));
    expect(listeners).toHaveLength(1);
    expect(listeners[0]).toMatchObject({ port: 80, protocol: 'HTTP', default_action: [{ type: 'forward' }] });
    expect(resources(plain, 'aws_acm_certificate')).toEqual({});
    expect(resources(plain, 'aws_route53_record')).toEqual({});
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

  it('protects the prod ALB from deletion', () => {
    expect(one(plain, 'aws_lb').enable_deletion_protection).toBe(false);
    expect(one(synthBoth(configFor('prod')).platform, 'aws_lb').enable_deletion_protection).toBe(true);
  });
});
