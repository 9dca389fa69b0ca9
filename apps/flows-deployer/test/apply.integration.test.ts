import { appendFileSync, writeFileSync } from 'node:fs';
import { createPrefectApi, expectOk } from '@blog-data/prefect-api';
import { MANAGED_TAG } from '../src/deployments';
import { resolveApiSettings } from '../src/settings';
import { contractSession } from './support/contract-session';
import { runCli } from './support/workspace';

describe('flows-deployer against the contract server', () => {
  const t = contractSession();

  it('creates the pool, the flows and every deployment on the first apply', async () => {
    const run = await t.cli('apply', '--json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);

    const pool = t.server.workPools.get('blog-data-pool');
    expect(pool?.type).toBe('ecs');
    const vars = pool?.base_job_template.variables.properties;
    expect(vars.cluster.default).toBe('arn:aws:ecs:eu-west-2:111111111111:cluster/prefect-dev');
    expect(vars.image.default).toBe('111111111111.dkr.ecr.eu-west-2.amazonaws.com/blog-data:prefect-3-python3.12-ecs');
    expect(vars.prefect_api_auth_string_secret_arn.default).toMatch(/secret:blog-data-dev\/prefect-api-auth/);
    expect(vars.network_configuration.default).toEqual({
      awsvpcConfiguration: {
        subnets: ['subnet-0aaa1111bbbb2222c', 'subnet-0ddd3333eeee4444f'],
        securityGroups: ['sg-0f1e2d3c4b5a69788'],
        assignPublicIp: 'ENABLED',
      },
    });

    expect([...t.server.flows.values()].map((f) => f.name).sort()).toEqual(['ingest-blog-posts', 'rebuild-clean-dataset', 'refresh-post-metrics']);
    const deployments = [...t.server.deployments.values()];
    expect(deployments.map((d) => d.name).sort()).toEqual(['daily', 'hourly', 'weekly-rebuild']);
    for (const d of deployments) {
      expect(d.tags).toContain(MANAGED_TAG);
      expect(d.work_pool_name).toBe('blog-data-pool');
      expect(d.work_queue_name).toBe('default');
    }
    const daily = deployments.find((d) => d.name === 'daily');
    expect(daily?.schedules.map((s: any) => s.schedule)).toEqual([{ cron: '30 6 * * *', timezone: 'Europe/London', day_or: true }]);
    expect(daily?.concurrency_limit).toBe(1);
    expect(daily?.parameter_openapi_schema.properties.lookback_hours).toMatchObject({ type: 'integer', default: 26, position: 0 });

    // The flows/ tree went to flow storage once, marker last; every deployment pulls it from there.
    const folder = /^blog-data\/flow-code\/[0-9a-f]{16}$/;
    expect(t.store.writes.map((k) => k.replace(/^blog-data\/flow-code\/[0-9a-f]{16}\//, ''))).toEqual([
      'flows/blog_data/__init__.py',
      'flows/blog_data/ingest.py',
      'flows/blog_data/metrics.py',
      'flows/blog_data/rebuild.py',
      '.flows-deployer-bundle.json',
    ]);
    for (const d of deployments) {
      expect(d.pull_steps).toEqual([
        { 'prefect_aws.deployments.steps.pull_from_s3': { requires: 'prefect-aws>=0.5.0', bucket: 'blog-data-prefect-flows-dev-111111111111', folder: expect.stringMatching(folder) } },
      ]);
    }

    // 1 pool + 3 flows + 3 deployments, counted by the client and by the server alike.
    expect(t.server.writes.map((w) => `${w.method} ${w.route}`).sort()).toEqual([
      'POST /deployments/', 'POST /deployments/', 'POST /deployments/', 'POST /flows/', 'POST /flows/', 'POST /flows/', 'POST /work_pools/',
    ]);
    expect(run.json().requests.writes).toBe(7);
  });

  it('makes zero writes when nothing changed', async () => {
    expect((await t.cli('apply')).code).toBe(0);
    t.server.clearLog();

    const plan = await t.cli('plan', '--detailed-exitcode');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('No changes');
    const again = await t.cli('apply', '--json');
    expect(again.code).toBe(0);
    expect(t.server.writes).toEqual([]);
    expect(again.json().requests.writes).toBe(0);
    expect(again.json().flowCode.action).toBe('unchanged');
    expect(t.store.writes).toHaveLength(5); // only the first apply's upload
    expect(again.json().summary).toMatchObject({ create: 0, update: 0, delete: 0, unchanged: 3 });
    expect(again.json().workPool.action).toBe('unchanged');
  });

  it('updates exactly the one deployment whose schedule changed', async () => {
    expect((await t.cli('apply')).code).toBe(0);
    t.ws.editManifest((text) => text.replace('cron: "30 6 * * *"', 'cron: "0 7 * * *"'));
    t.server.clearLog();

    const plan = await t.cli('plan', '--json', '--detailed-exitcode');
    expect(plan.code).toBe(3);
    const changed = plan.json().deployments.filter((d: any) => d.action !== 'unchanged');
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({ flow: 'ingest-blog-posts', name: 'daily', action: 'update' });
    expect(changed[0].changes.map((c: any) => c.path)).toEqual(['schedules']);
    expect(t.server.writes).toEqual([]);

    const apply = await t.cli('apply');
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('~ schedules: cron "30 6 * * *" Europe/London → cron "0 7 * * *" Europe/London');
    expect(apply.stdout).toMatch(/~ updated deployment ingest-blog-posts\/daily \([0-9a-f-]{36}\)/);
    expect(t.server.writes.map((w) => `${w.method} ${w.route}`)).toEqual(['POST /deployments/']);
    const daily = [...t.server.deployments.values()].find((d) => d.name === 'daily');
    expect(daily?.schedules).toHaveLength(1);
    expect(daily?.schedules[0].schedule.cron).toBe('0 7 * * *');
  });

  it('uploads changed flow code to a new folder and repoints every deployment that uses it', async () => {
    expect((await t.cli('apply')).code).toBe(0);
    const before = [...t.server.deployments.values()][0].pull_steps[0]['prefect_aws.deployments.steps.pull_from_s3'].folder;
    appendFileSync(`${t.ws.dir}/flows/blog_data/metrics.py`, '\n# tweak\n');
    t.server.clearLog();
    const run = await t.cli('apply', '--json');
    expect(run.code).toBe(0);
    expect(run.json().flowCode.action).toBe('upload');
    expect(run.json().deployments.map((d: any) => [d.name, d.action, d.changes.map((c: any) => c.path)])).toEqual([
      ['daily', 'update', ['pull_steps']],
      // hourly sets no `version:`, so it carries the flow file's hash (as `prefect deploy` does): metrics.py changed.
      ['hourly', 'update', ['pull_steps', 'version']],
      ['weekly-rebuild', 'update', ['pull_steps']],
    ]);
    const after = [...t.server.deployments.values()][0].pull_steps[0]['prefect_aws.deployments.steps.pull_from_s3'].folder;
    expect(after).not.toBe(before);
    expect(t.store.objects.has(`${after}/.flows-deployer-bundle.json`)).toBe(true);
  });

  it('prunes only managed deployments that left the manifest, and only with --prune', async () => {
    expect((await t.cli('apply')).code).toBe(0);
    // A deployment someone made by hand in the same pool.
    const api = createPrefectApi(resolveApiSettings({}, t.environ));
    const flow = await expectOk(api.client.POST('/flows/', { body: { name: 'ad-hoc-backfill' } }), 'create flow', api.settings);
    await expectOk(
      api.client.POST('/deployments/', { body: { name: 'manual', flow_id: flow.id, work_pool_name: 'blog-data-pool', tags: ['hand-made'] } }),
      'create deployment',
      api.settings,
    );
    t.ws.editManifest((text) => text.replace(/  - name: hourly[\s\S]*?(?=  - name: weekly-rebuild)/, ''));
    t.server.clearLog();

    const keep = await t.cli('apply', '--json');
    expect(keep.code).toBe(0);
    expect(keep.json().deployments.find((d: any) => d.name === 'hourly').action).toBe('orphaned');
    expect(t.server.writes).toEqual([]);

    const prune = await t.cli('apply', '--prune', '--json');
    expect(prune.code).toBe(0);
    expect(t.server.writes.map((w) => `${w.method} ${w.route}`)).toEqual(['DELETE /deployments/{id}']);
    expect([...t.server.deployments.values()].map((d) => d.name).sort()).toEqual(['daily', 'manual', 'weekly-rebuild']);
  });

  it('pins the image digest from image-builder\'s result and then updates only the pool', async () => {
    const digest = (c: string) => `sha256:${c.repeat(64)}`;
    const resultFile = `${t.ws.dir}/image-result.json`;
    const repo = '111111111111.dkr.ecr.eu-west-2.amazonaws.com/blog-data';
    // The shape image-builder's `publish --output` writes.
    const result = (d: string) => ({ image: 'prefect-base', status: 'pushed', repository: repo, tags: ['prefect-3-python3.12-ecs', 'src-0123abcd'], digest: d, reference: `${repo}@${d}` });
    writeFileSync(resultFile, JSON.stringify(result(digest('a'))));
    expect((await t.cli('apply', '--image-result', resultFile)).code).toBe(0);
    const image = () => t.server.workPools.get('blog-data-pool')?.base_job_template.variables.properties.image.default;
    expect(image()).toBe(`111111111111.dkr.ecr.eu-west-2.amazonaws.com/blog-data@${digest('a')}`);

    writeFileSync(resultFile, JSON.stringify(result(digest('b'))));
    t.server.clearLog();
    const plan = await t.cli('plan', '--image-result', resultFile);
    expect(plan.stdout).toMatch(/~ update\s+work pool\s+blog-data-pool\s+variables\.properties\.image\.default/);
    expect((await t.cli('apply', '--image-result', resultFile)).code).toBe(0);
    expect(t.server.writes.map((w) => `${w.method} ${w.route}`)).toEqual(['PATCH /work_pools/{name}']);
    expect(image()).toBe(`111111111111.dkr.ecr.eu-west-2.amazonaws.com/blog-data@${digest('b')}`);
  });

  it('takes the pool over when it appears between plan and create (409)', async () => {
    // Another deployer run creates the pool (with an empty template) after our read.
    const now = new Date().toISOString();
    t.server.inject({
      method: 'POST',
      route: '/work_pools/',
      status: 409,
      sideEffect: () => {
        t.server.workPools.set('blog-data-pool', { id: '00000000-0000-4000-8000-000000000999', created: now, updated: now, name: 'blog-data-pool', type: 'ecs', base_job_template: {} });
      },
    });
    const run = await t.cli('apply', '--json');
    expect(run.code).toBe(0);
    expect(run.json().applied.find((a: any) => a.kind === 'work-pool')).toEqual({ kind: 'work-pool', name: 'blog-data-pool', action: 'updated' });
    expect(t.server.workPools.get('blog-data-pool')?.base_job_template.variables.properties.cluster.default).toMatch(/cluster\/prefect-dev$/);
    expect(t.server.deployments.size).toBe(3);
  });

  it('finishes the other writes and lists what failed when one write keeps failing', async () => {
    t.environ.PREFECT_CLIENT_MAX_RETRIES = '0';
    t.server.inject({ method: 'POST', route: '/deployments/', status: 500 });
    const run = await t.cli('apply');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: 1 change\(s\) failed; applied before the failure: created flow-code s3:\/\/[^,]+, created work-pool blog-data-pool, /);
    expect(run.stderr).toMatch(/Prefect API error while trying to create deployment [\w-]+\/[\w-]+: "injected fault" \(500 from /);
    expect(t.server.deployments.size).toBe(2);
    // The rerun does only what is still missing.
    t.server.clearLog();
    expect((await t.cli('apply')).code).toBe(0);
    expect(t.server.writes.map((w) => `${w.method} ${w.route}`)).toEqual(['POST /deployments/']);
  });

  it.each([false, true])('removes every schedule when the manifest drops them (t.server keeps schedules on an empty upsert: %s)', async (keep) => {
    await t.restart({ keepSchedulesOnEmptyUpsert: keep });
    expect((await t.cli('apply')).code).toBe(0);
    t.ws.editManifest((text) => text.replace(/    schedules:\n      - interval: 3600\n        anchor_date: "[^"]+"\n        timezone: UTC\n/, ''));
    t.server.clearLog();
    const run = await t.cli('apply');
    expect(run.stderr).toBe('');
    const hourly = [...t.server.deployments.values()].find((d) => d.name === 'hourly');
    expect(hourly?.schedules).toEqual([]);
    expect(t.server.writes.map((w) => `${w.method} ${w.route}`)).toEqual(
      keep ? ['POST /deployments/', 'DELETE /deployments/{id}/schedules/{schedule_id}'] : ['POST /deployments/'],
    );
    t.server.clearLog();
    expect((await t.cli('apply')).code).toBe(0);
    expect(t.server.writes).toEqual([]);
  });

  it('says the credentials are wrong on 401', async () => {
    t.environ.PREFECT_API_AUTH_STRING = 'prefect:wrong';
    const run = await t.cli('plan');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: the Prefect API rejected our credentials while trying to read work pool blog-data-pool \(401 from http:\/\/127\.0\.0\.1:\d+\/api\/work_pools\/blog-data-pool\): check PREFECT_API_AUTH_STRING/);
    expect(run.stderr.split('\n')).toHaveLength(1);
  });

  it('retries a 503 and then succeeds', async () => {
    t.server.inject({ method: 'POST', route: '/deployments/filter', status: 503, retryAfter: '0' });
    t.server.inject({ method: 'POST', route: '/flows/', status: 502, times: 2 });
    const run = await t.cli('apply', '--json');
    expect(run.code).toBe(0);
    const statuses = t.server.requests.filter((r) => r.route === '/deployments/filter').map((r) => r.status);
    expect(statuses.slice(0, 2)).toEqual([503, 200]);
    expect(run.json().requests.retries).toBe(3);
    expect(t.server.deployments.size).toBe(3);
  });

  it('reports an unreachable server with the URL tried and the likely causes', async () => {
    await t.server.stop();
    const started = Date.now();
    const run = await t.cli('plan', '--health-timeout', '1');
    expect(run.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(run.stderr).toMatch(
      /^error: Prefect API not healthy after \d+s \(last: .*ECONNREFUSED.*\) \(GET http:\/\/127\.0\.0\.1:\d+\/api\/health\): check PREFECT_API_URL .* security group .* server is running/,
    );
    // restart so afterEach can stop it
    await t.restart();
  });

  it('prints the field paths of a 422', async () => {
    const api = createPrefectApi(resolveApiSettings({}, t.environ));
    const flow = await expectOk(api.client.POST('/flows/', { body: { name: 'f' } }), 'create flow', api.settings);
    const bad = {
      name: 'x',
      flow_id: flow.id,
      schedules: [{ schedule: { cron: '* * * * *', crn: 'typo' } }],
      colour: 'blue',
    } as unknown as { name: string; flow_id: string };
    await expect(expectOk(api.client.POST('/deployments/', { body: bad }), 'create deployment x', api.settings)).rejects.toThrow(
      /rejected the request body while trying to create deployment x: .*body\.colour: Extra inputs are not permitted.*body\.schedules\.0\.schedule\.crn: Extra inputs are not permitted/,
    );
  });

  it('plans offline without any server', async () => {
    await t.server.stop();
    const run = await runCli(['plan', '--offline', '--json', '--manifest', t.ws.manifest, '--infra-outputs', t.ws.outputs], { PLATFORM_ENV: 'dev' });
    expect(run.code).toBe(0);
    const doc = run.json();
    expect(doc.offline).toBe(true);
    expect(doc.workPool.action).toBe('create');
    expect(doc.summary.create).toBe(3);
    expect(doc.requests.requests).toBe(0);
    await t.restart();
  });
});
