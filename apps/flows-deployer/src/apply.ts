import { UserError } from '@blog-data/cli-kit';
import { expectOk, PrefectApi, Schemas } from '@blog-data/prefect-api';
import { DeploymentBody, diffDeployment } from './deployments';
import { canonicalJson } from './diff';
import { FlowCodeBundle, FlowCodeStore, uploadFlowCode } from './flow-code';
import { DeploymentPlanItem, Plan } from './plan';

/** What apply did to one thing. */
export interface AppliedChange {
  readonly kind: 'flow-code' | 'work-pool' | 'flow' | 'deployment';
  readonly name: string;
  readonly action: 'created' | 'updated' | 'deleted';
  readonly id?: string;
}

/**
 * Carries out a plan: flow code first, then the pool (deployments must name an existing pool), then missing
 * flows, then deployments (create and update are the same upsert, `POST /deployments/`,
 * which replaces schedules), then deletions. Nothing is written for unchanged items.
 * Independent requests run concurrently, bounded by the client's semaphore.
 */
export async function applyPlan(api: PrefectApi, plan: Plan, code?: { store: FlowCodeStore; bundle: FlowCodeBundle }): Promise<AppliedChange[]> {
  const { client, settings } = api;
  const done: AppliedChange[] = [];

  // Code first: a deployment must never point at a folder that is not complete.
  if (plan.flowCode?.action === 'upload') {
    if (!code) throw new UserError('internal: flow code to upload but no store');
    await uploadFlowCode(code.store, code.bundle, plan.flowCode.location);
    done.push({ kind: 'flow-code', name: `s3://${plan.flowCode.location.bucket}/${plan.flowCode.location.folder}`, action: 'created' });
  }

  const { pool } = plan;
  if (pool.action === 'create') {
    const created = await client.POST('/work_pools/', {
      body: { name: pool.name, type: 'ecs', base_job_template: pool.baseJobTemplate as unknown as Record<string, unknown> },
    });
    if (created.response.status === 409) {
      // Someone created it between our read and this write; fall back to an update.
      await patchPool(api, plan);
      done.push({ kind: 'work-pool', name: pool.name, action: 'updated' });
    } else {
      const data = await expectOk(Promise.resolve(created), `create work pool ${pool.name}`, settings);
      done.push({ kind: 'work-pool', name: pool.name, action: 'created', id: data.id });
    }
  } else if (pool.action === 'update') {
    await patchPool(api, plan);
    done.push({ kind: 'work-pool', name: pool.name, action: 'updated' });
  }

  const flowIds = new Map<string, string>();
  const limit = settings.concurrency;
  await settleEach(done, plan.flowsToCreate, limit, async (name) => {
    const flow = await expectOk(client.POST('/flows/', { body: { name } }), `create flow ${name}`, settings);
    flowIds.set(name, flow.id);
    done.push({ kind: 'flow', name, action: 'created', id: flow.id });
  });

  const upserts = plan.deployments.filter((d) => d.action === 'create' || d.action === 'update');
  await settleEach(done, upserts, limit, async (item: DeploymentPlanItem) => {
    const flowId = item.flowId ?? flowIds.get(item.flowName);
    if (!flowId || !item.body) throw new UserError(`internal: no flow id for ${item.flowName}/${item.name}`);
    const saved = await upsertDeployment(api, item, item.body, flowId);
    done.push({ kind: 'deployment', name: `${item.flowName}/${item.name}`, action: item.action === 'create' ? 'created' : 'updated', id: saved.id });
  });

  const deletions = plan.deployments.filter((d) => d.action === 'delete' && d.id);
  await settleEach(done, deletions, limit, async (item) => {
    const result = await client.DELETE('/deployments/{id}', { params: { path: { id: item.id as string } } });
    // Already gone is what we wanted.
    if (result.response.status !== 404) await expectOk(Promise.resolve(result), `delete deployment ${item.flowName}/${item.name}`, settings);
    done.push({ kind: 'deployment', name: `${item.flowName}/${item.name}`, action: 'deleted', id: item.id });
  });
  return done;
}

/**
 * Writes one deployment and checks the result against what we asked for, so a server that
 * applied less than we sent is caught now rather than as drift on the next run.
 *
 * Prefect 3.8.3's upsert rebuilds every schedule from only schedule/active/parameters/slug
 * (src/prefect/server/models/deployments.py L220-234 at tag 3.8.3), dropping
 * `max_scheduled_runs`; schedules that set it are therefore created through
 * `POST /deployments/{id}/schedules`, which persists the whole `DeploymentScheduleCreate`
 * (models/deployments.py L1112-1144). Servers that keep the old schedules when the upsert's
 * list is empty (older than 3.x) are repaired by deleting those one by one.
 */
async function upsertDeployment(api: PrefectApi, item: DeploymentPlanItem, body: DeploymentBody, flowId: string): Promise<Schemas['DeploymentResponse']> {
  const label = `${item.flowName}/${item.name}`;
  const schedules = body.schedules ?? [];
  const limited = schedules.filter((s) => s.max_scheduled_runs != null);
  const rebuilt = schedules.filter((s) => s.max_scheduled_runs == null);
  let saved = await expectOk(
    api.client.POST('/deployments/', { body: { ...body, schedules: rebuilt, flow_id: flowId } }),
    `${item.action} deployment ${label}`,
    api.settings,
  );
  if (rebuilt.length === 0 && (saved.schedules ?? []).length > 0) {
    for (const schedule of saved.schedules ?? []) {
      const result = await api.client.DELETE('/deployments/{id}/schedules/{schedule_id}', {
        params: { path: { id: saved.id, schedule_id: schedule.id } },
      });
      if (result.response.status !== 404) await expectOk(Promise.resolve(result), `remove a schedule of ${label}`, api.settings);
    }
    saved = { ...saved, schedules: [] };
  }
  if (limited.length > 0) {
    const created = await expectOk(
      api.client.POST('/deployments/{id}/schedules', { params: { path: { id: saved.id } }, body: limited }),
      `add the schedules with max_scheduled_runs to ${label}`,
      api.settings,
    );
    saved = { ...saved, schedules: [...(saved.schedules ?? []), ...created] };
  }
  const remaining = diffDeployment(saved, body);
  if (remaining.length > 0) {
    const detail = remaining.map((c) => `${c.path}: sent ${canonicalJson(c.after)}, stored ${canonicalJson(c.before)}`).join('; ');
    throw new UserError(
      `the server stored deployment ${label} differently from what was sent (${detail})`,
      `POST ${api.settings.apiUrl}/deployments/`,
      'the server rewrote a field in a way this deployer does not model; report it with the values above (apply would rewrite it on every run)',
    );
  }
  return saved;
}

/**
 * Runs one stage: `task` for every item, at most `limit` at a time — only that many requests,
 * bodies and responses are alive at once, however long the manifest — and waits for all
 * (so none is left running when we report). Throws one error listing each failure and what
 * did get applied, so a partial apply is visible.
 */
async function settleEach<T>(done: readonly AppliedChange[], items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  const failures: unknown[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++];
      await task(item).catch((err: unknown) => {
        failures.push(err);
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failures.length === 0) return;
  if (failures.length === 1 && done.length === 0) throw failures[0];
  const lines = failures.map((f) => (f instanceof Error ? f.message : String(f)));
  const applied = done.length ? `; applied before the failure: ${summarizeApplied(done)}` : '';
  throw new UserError(`${failures.length} change(s) failed${applied}`, undefined, 'fix the cause and rerun apply: it only redoes what is still different', {
    detail: lines.map((line) => `  ${line}`),
  });
}

/** `created work-pool p, created deployment a, b, c`; a group over 5 names is cut so a 10,000-item failure stays readable. */
function summarizeApplied(done: readonly AppliedChange[]): string {
  const groups = new Map<string, string[]>();
  for (const d of done) {
    const key = `${d.action} ${d.kind}`;
    const names = groups.get(key) ?? [];
    names.push(d.name);
    groups.set(key, names);
  }
  return [...groups].map(([key, names]) => `${key} ${names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ')}`).join(', ');
}

async function patchPool(api: PrefectApi, plan: Plan): Promise<void> {
  await expectOk(
    api.client.PATCH('/work_pools/{name}', {
      params: { path: { name: plan.pool.name } },
      body: { base_job_template: plan.pool.baseJobTemplate as unknown as Record<string, unknown> },
    }),
    `update work pool ${plan.pool.name}`,
    api.settings,
  );
}
