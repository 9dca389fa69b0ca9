import { loadConfig } from '@blog-data/config';
import { estimateCost, loadPriceBook, toCents } from '../src';

/** eu-west-1: the region issue #19's figures were priced in, with dev's load balancer of then (dev's default is now the private endpoint). */
const EU_WEST_1 = { PLATFORM_AWS__REGION: 'eu-west-1', PLATFORM_ENDPOINT: 'cloudfront' };
/** Dev as it was before the schedule: always on, Aurora's 0.5 ACU floor. */
const ALWAYS_ON = { PLATFORM_SCHEDULE: 'null', PLATFORM_AURORA__MIN_ACU: '0.5' };
const estimate = (env: string, environ: Record<string, string>) => estimateCost(loadConfig({ env, environ }), loadPriceBook());
const byId = (e: ReturnType<typeof estimateCost>) => Object.fromEntries(e.items.map((i) => [i.id, [i.quantity, i.monthlyUsd]]));

describe('cost of the non-production schedule (scale to zero)', () => {
  const scheduled = estimate('dev', EU_WEST_1);
  const alwaysOn = estimate('dev', { ...EU_WEST_1, ...ALWAYS_ON });

  it('prices the services for the scheduled hours only: MON-FRI 08–19 = 55 h a week = 238.99 h a month', () => {
    const weeks = 730 / 168;
    const hours = Math.round(55 * weeks * 100) / 100;
    expect(hours).toBe(238.99);
    expect(byId(scheduled)).toMatchObject({
      'fargate-server-vcpu': [0.25 * hours, 2.42], // 59.7475 × $0.04048 = 2.4186
      'fargate-server-memory': [0.5 * hours, 0.53], // 119.495 × $0.004445 = 0.5312
      'fargate-worker-vcpu': [0.25 * hours, 2.42],
      'fargate-worker-memory': [0.5 * hours, 0.53],
      'alb-hours': [730, 18.4], // the load balancer bills around the clock
      'alb-lcu': [0.5 * hours, 0.96],
      // Awake while the services run plus 900 s after each of 5 × 4.345 stops: 238.99 + 21.726 × 0.25 = 244.42 h at 0.5 ACU.
      'aurora-acu': [122.21, 15.89], // 122.21 × $0.13 = 15.8873
      'aurora-io': [(20 * 244.42) / 730, 1.47],
      // The ALB is internal (CloudFront); the two tasks' addresses exist only while they run.
      'public-ipv4': [2 * hours, 2.39],
    });
    expect(scheduled.items.find((i) => i.id === 'aurora-acu')).toMatchObject({ assumed: true, description: expect.stringContaining('paused (0 ACU) 485.58 h') });
  });

  it('lists every assumption it made about the schedule and the pausing database', () => {
    const notes = scheduled.notes.join('\n');
    expect(notes).toContain('Schedule MON-FRI 08:00–19:00 Europe/London: the server and worker run 5 days × 11 h a week × 4.345 weeks = 238.99 of 730 h a month');
    expect(notes).toContain('the ALB, NAT, endpoints, keys, secrets and storage bill around the clock');
    expect(notes).toContain('A deploy, release or manual start outside the hours runs the services until the next scheduled stop');
    expect(notes).toContain('Aurora min capacity 0: assumed at 0.5 ACU (its lowest running capacity) while the services run plus 900 s after each of 21.7 stops a month');
    expect(alwaysOn.notes.join('\n')).not.toMatch(/Schedule|min capacity 0/);
  });

  it('costs dev $50.14 a month with the default schedule against $103.62 always on: less than half, NOT the third issue #19 asks for', () => {
    expect(alwaysOn.totalUsd).toBe(103.62);
    expect(scheduled.totalUsd).toBe(50.14);
    // What stays: the ALB alone ($18.40 + LCUs) is over half of a third of the always-on figure ($34.54).
    const aroundTheClock = ['alb-hours', 'aurora-storage', 'ecr-storage', 'logs-ingest', 'logs-storage', 'kms-keys', 'secrets', 'cloudfront-requests', 'cloudfront-data-out', 'cloudfront-to-origin'];
    const fixed = toCents(scheduled.items.filter((i) => aroundTheClock.includes(i.id)).reduce((s, i) => s + i.monthlyUsd, 0));
    expect(fixed).toBe(23.53);
    expect(scheduled.totalUsd).toBeGreaterThan(toCents(alwaysOn.totalUsd / 3));
  });

  it('keeps prod always on: the same figures as before the schedule existed', () => {
    const prod = estimate('prod', EU_WEST_1);
    expect(prod.totalUsd).toBe(113.37);
    expect(byId(prod)['aurora-acu']).toEqual([365, 47.45]);
  });

  it('prices Aurora at 0 ACU without a schedule as never pausing (the server polls it)', () => {
    const e = estimate('dev', { ...EU_WEST_1, PLATFORM_SCHEDULE: 'null' });
    expect(byId(e)['aurora-acu']).toEqual([365, 47.45]);
    expect(e.notes.join('\n')).toContain('Aurora min capacity 0 without a schedule: the server polls the database continuously, so it is assumed never to pause.');
  });
});
