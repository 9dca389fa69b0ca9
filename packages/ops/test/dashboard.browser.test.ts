import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateClusterCommand, CreateServiceCommand, DeleteClusterCommand, DeleteServiceCommand, DeregisterTaskDefinitionCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { loadConfig } from '@blog-data/config';
import { PrefectContractServer } from '@blog-data/prefect-api/testing';
import { describeWithServices, uniqueName } from '@blog-data/test-support';
import { BrowserContext, chromium, Page } from 'playwright-core';
import { createRepository, emulatorClients, EmulatorClients, removeCreated } from './aws-fixtures';
import { pushImage, deleteManifests, TestRegistry } from './registry-fixtures';
import { main, OpsIo } from '../src';

const AUTH = 'prefect:dashboard-test-password';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
/** Screenshots are test artifacts (gitignored), for a person to look at. */
const ARTIFACTS = join(__dirname, '..', 'test-artifacts');

jest.setTimeout(300_000);

describeWithServices('platform-ops dashboard in a real browser',
  ['AWS_ENDPOINT_URL', 'TEST_REGISTRY', 'TEST_REGISTRY_USER', 'TEST_REGISTRY_PASSWORD', 'CHROMIUM_PATH'], (svc) => {
    const run = uniqueName('dash');
    const repository = `${run}/blog-data`;
    const config = loadConfig({ env: 'dev', environ: {} });
    const pool = config.prefect.workPool;
    let prefect: PrefectContractServer;
    let emu: EmulatorClients;
    let registry: TestRegistry;
    let digest: string;
    let browser: BrowserContext;
    let dashboardUrl: string;
    let stopDashboard: AbortController;
    let dashboardExit: Promise<number>;
    const cliOut: string[] = [];
    const deploymentNames = ['ingest-posts/hourly-ingest', 'compute-metrics/daily-metrics', 'rebuild-clean-dataset/weekly-rebuild'];

    /** Seeds the server as a client would: pool, flows, deployments, flow runs in several states. */
    async function seedPrefect(): Promise<void> {
      const call = async (method: string, path: string, body?: unknown) => {
        const res = await fetch(`${prefect.apiUrl}${path}`, {
          method,
          headers: { 'content-type': 'application/json', 'authorization': `Basic ${Buffer.from(AUTH).toString('base64')}` },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status}: ${await res.text()}`);
        // Every call here that uses its answer creates something: the answer names its id.
        return (res.status === 204 ? undefined : res.json()) as Promise<{ id: string }>;
      };
      await call('POST', '/work_pools/', { name: pool, type: 'ecs', base_job_template: {} });
      const states = [['COMPLETED', 'Completed'], ['FAILED', 'Failed'], ['RUNNING', 'Running']];
      for (const [i, full] of deploymentNames.entries()) {
        const [flowName, name] = full.split('/');
        const flow = await call('POST', '/flows/', { name: flowName });
        const deployment = await call('POST', '/deployments/', { name, flow_id: flow.id, work_pool_name: pool, entrypoint: `flows/${flowName}.py:main` });
        const [type, stateName] = states[i];
        await call('POST', '/flow_runs/', { flow_id: flow.id, deployment_id: deployment.id, name: `${name}-run-${i}`, state: { type, name: stateName } });
      }
      prefect.clearLog();
    }

    beforeAll(async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      registry = {
        base: `http://${svc.TEST_REGISTRY}`,
        authorization: `Basic ${Buffer.from(`${svc.TEST_REGISTRY_USER}:${svc.TEST_REGISTRY_PASSWORD}`).toString('base64')}`,
      };
      // The image the server's task definition pins, by digest, as infra writes it.
      const pushed = await pushImage(registry, repository, 'src-dashboard', 'amd64');
      digest = pushed.digest;
      emu = emulatorClients(config.aws.region);
      await createRepository(emu, repository, [{ tag: 'src-dashboard', manifest: pushed.manifest, mediaType: DOCKER_MANIFEST }]);
      const clusterArn = (await emu.ecs.send(new CreateClusterCommand({ clusterName: run }))).cluster!.clusterArn!;
      emu.cleanups.push(() => emu.ecs.send(new DeleteClusterCommand({ cluster: run })));
      const taskDefinition = (await emu.ecs.send(new RegisterTaskDefinitionCommand({
        family: `${run}-server`,
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'prefect-server', image: `${svc.TEST_REGISTRY}/${repository}@${digest}`, essential: true }],
      }))).taskDefinition!;
      emu.cleanups.push(() => emu.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: taskDefinition.taskDefinitionArn })));
      await emu.ecs.send(new CreateServiceCommand({ cluster: run, serviceName: 'prefect-server', taskDefinition: taskDefinition.taskDefinitionArn, desiredCount: 1 }));
      emu.cleanups.push(() => emu.ecs.send(new DeleteServiceCommand({ cluster: run, service: 'prefect-server', force: true })));

      prefect = await PrefectContractServer.start({ authString: AUTH });
      await seedPrefect();

      const dir = mkdtempSync(join(tmpdir(), 'dashboard-'));
      const outputsFile = join(dir, 'outputs.json');
      const base = prefect.apiUrl.replace(/\/api$/, '');
      writeFileSync(outputsFile, JSON.stringify({
        prefect_url: base,
        prefect_api_url: prefect.apiUrl,
        ecs_cluster_arn: clusterArn,
        ecr_repository_name: repository,
        ecr_repository_url: `${svc.TEST_REGISTRY}/${repository}`,
      }));
      const planFile = join(dir, 'plan.json');
      writeFileSync(planFile, JSON.stringify({ command: 'plan', changes: false, summary: { create: 0, update: 0, unchanged: 2, delete: 0, orphaned: 0 } }));

      stopDashboard = new AbortController();
      let announced: (url: string) => void;
      const started = new Promise<string>((resolve) => (announced = resolve));
      const io: OpsIo = {
        stdout: { write: (text: string) => { cliOut.push(text); const m = /at (http:\/\/\S+)/.exec(text); if (m) announced(m[1]); return true; } },
        stderr: { write: (text: string) => cliOut.push(text) },
        env: { ...process.env, PREFECT_API_AUTH_STRING: AUTH },
        cwd: process.cwd(),
        signal: stopDashboard.signal,
      };
      // Dev's endpoint is private: the dashboard reaches Prefect through the tunnel's URL
      // (`platform-ops connect`), here the contract server's.
      dashboardExit = main(['dashboard', '--env', 'dev', '--port', '0', '--infra-outputs', outputsFile, '--plan-file', planFile,
        '--registry', svc.TEST_REGISTRY, '--timeout', '3000', '--prefect-url', base], io);
      dashboardUrl = await Promise.race([started, dashboardExit.then((code) => { throw new Error(`dashboard exited ${code}: ${cliOut.join('')}`); })]);

      // A fresh profile each run (playwright passes it as --user-data-dir).
      browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'chromium-')), {
        executablePath: svc.CHROMIUM_PATH,
        headless: true,
        viewport: { width: 1440, height: 1000 },
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
      });
    });

    afterAll(async () => {
      await browser?.close();
      stopDashboard?.abort();
      await dashboardExit;
      await prefect?.stop();
      if (registry && digest) await deleteManifests(registry, repository, [digest]);
      if (emu) await removeCreated(emu);
    });

    /** Opens the page and records what the browser complains about. */
    async function openDashboard(): Promise<{ page: Page; problems: string[] }> {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (message) => { if (message.type() === 'error') problems.push(`console: ${message.text()}`); });
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      // The page is one 4 MB bundle: under a loaded CI machine its first parse takes a while.
      page.setDefaultTimeout(90_000);
      await page.goto(dashboardUrl, { waitUntil: 'domcontentloaded' });
      return { page, problems };
    }

    it('renders the platform panel with the pinned digest, the deployments and the runs\' states', async () => {
      const { page, problems } = await openDashboard();
      await page.getByTestId('platform-panel').waitFor();
      await expect(page.getByTestId('image-digest').first().textContent()).resolves.toBe(digest);
      await expect(page.getByTestId('platform-images').textContent()).resolves.toContain('linux/amd64');
      await expect(page.getByTestId('platform-plan').textContent()).resolves.toContain('clean');
      for (const full of deploymentNames) await page.getByText(full.split('/')[1], { exact: true }).first().waitFor();
      for (const state of ['Completed', 'Failed', 'Running']) await page.locator('.state-badge', { hasText: state }).first().waitFor();
      await page.waitForLoadState('networkidle');
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
      expect(prefect.violations).toEqual([]);
      expect(problems).toEqual([]);
      await page.close();
    });

    it('refuses a pause click with 403 and nothing reaches the API', async () => {
      const { page, problems } = await openDashboard();
      // The library hard-wires per-object permissions to true: the pool card's pause toggle is live.
      const toggle = page.locator('.work-pool-card .p-toggle').first();
      await toggle.waitFor();
      prefect.clearLog();
      // Reads are POSTs too (…/filter, polled): wait for the toggle's PATCH itself.
      const refused = page.waitForResponse((res) => res.request().method() === 'PATCH' && res.url().includes('/api/work_pools/'));
      await toggle.click();
      const answer = await refused;
      expect(answer.status()).toBe(403);
      expect(await answer.json()).toEqual({ detail: `the dashboard is read-only: PATCH /api/work_pools/${pool} would change the environment` });
      expect(prefect.writes).toEqual([]);
      expect(prefect.workPools.get(pool)!.is_paused).toBe(false);
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-pause-refused.png') });
      // The browser logs the refused request, and the toggle's own handler logs the error it shows
      // as a toast; nothing else may complain.
      expect(problems[0]).toBe('console: Failed to load resource: the server responded with a status of 403 (Forbidden)');
      expect(problems).toHaveLength(2);
      await page.close();
    });

    it('links objects to the same page of the Prefect UI', async () => {
      const { page } = await openDashboard();
      const link = page.locator('a.deployment-list__name', { hasText: 'daily-metrics' });
      const href = await link.getAttribute('href');
      const id = [...prefect.deployments.values()].find((d) => d.name === 'daily-metrics')!.id;
      expect(href).toBe(`/prefect/deployments/deployment/${id}`);
      const redirect = await fetch(`${dashboardUrl}${href}`, { redirect: 'manual' });
      expect(redirect.status).toBe(302);
      expect(redirect.headers.get('location')).toBe(`${prefect.apiUrl.replace(/\/api$/, '')}/deployments/deployment/${id}`);
      await page.close();
    });
  });
