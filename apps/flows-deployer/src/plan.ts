import { expectOk, PrefectApi, Schemas } from '@blog-data/prefect-api';
import { DeploymentBody, DeploymentSnapshot, desiredDeploymentBody, diffDeployment, jsonInterner, MANAGED_TAG, toSnapshot } from './deployments';
import { FieldChange } from './diff';
import type { FlowCodePlan } from './flow-code';
import type { ResolvedDeployment } from './manifest/load';
import { JobTemplate, planWorkPool, WorkPoolPlan } from './work-pool';

/** Prefect's default (and maximum) page size for filter endpoints. */
export const PAGE_SIZE = 200;

/** What happens to one deployment. `orphaned`: managed, left the manifest, kept because --prune is off. */
export type DeploymentAction = 'create' | 'update' | 'unchanged' | 'delete' | 'orphaned';

/** One line of the plan. */
export interface DeploymentPlanItem {
  readonly action: DeploymentAction;
  readonly flowName: string;
  readonly name: string;
  /** Server id when it exists. */
  readonly id?: string;
  /** Server flow id when the flow exists. */
  readonly flowId?: string;
  /** Fields that change (update). */
  readonly changes: readonly FieldChange[];
  /** Body to POST (create/update only: unchanged items do not keep theirs, which matters at 10,000). */
  readonly body?: DeploymentBody;
  /** Whether the existing deployment carries the managed tag (false: apply adopts it). */
  readonly managed: boolean;
}

/** Everything apply would do. */
export interface Plan {
  readonly pool: WorkPoolPlan;
  readonly deployments: readonly DeploymentPlanItem[];
  /** Flows that do not exist yet and will be created. */
  readonly flowsToCreate: readonly string[];
  readonly prune: boolean;
  /** Flow code upload for deployments without their own pull steps. */
  readonly flowCode?: FlowCodePlan;
}

/** What the server has now, as far as the plan needs it. */
export interface ServerState {
  readonly pool?: Schemas['WorkPoolResponse'];
  /** Deployments in our pool plus those named in the manifest (they may sit in another pool). */
  readonly deployments: readonly DeploymentSnapshot[];
  /** Flow names by id, for every flow referenced above or named in the manifest. */
  readonly flowNames: ReadonlyMap<string, string>;
}

/**
 * Reads the state the plan needs in a handful of requests regardless of manifest size:
 * the pool, the deployments in it, the deployments named in the manifest, and their flows.
 */
export async function readServerState(api: PrefectApi, poolName: string, desired: readonly ResolvedDeployment[]): Promise<ServerState> {
  const { client, settings } = api;
  const poolResult = await client.GET('/work_pools/{name}', { params: { path: { name: poolName } } });
  let pool: Schemas['WorkPoolResponse'] | undefined;
  if (poolResult.response.status !== 404) pool = await expectOk(Promise.resolve(poolResult), `read work pool ${poolName}`, settings);

  // Each page is cut down to snapshots as it arrives, so memory holds what the plan compares, once.
  const byId = new Map<string, DeploymentSnapshot>();
  const intern = jsonInterner();
  const keep = (page: readonly Schemas['DeploymentResponse'][]): void => {
    for (const d of page) byId.set(d.id, toSnapshot(d, intern));
  };
  const names = [...new Set(desired.map((d) => d.name))];
  const queries: Array<Promise<void>> = [];
  if (pool) queries.push(pageAll((offset) => client.POST('/deployments/filter', { body: { work_pools: { name: { any_: [poolName] } }, limit: PAGE_SIZE, offset } }), 'list deployments in the pool', api, keep));
  if (names.length > 0) queries.push(pageAll((offset) => client.POST('/deployments/filter', { body: { deployments: { name: { any_: names } }, limit: PAGE_SIZE, offset } }), 'look up the manifest\'s deployments', api, keep));
  await Promise.all(queries);
  const deployments = [...byId.values()];

  const flowIds = [...new Set(deployments.map((d) => d.flow_id))];
  const flowNamesWanted = [...new Set(desired.map((d) => d.flowName))];
  const flows: Array<Schemas['Flow']> = [];
  await pageAll(
    (offset) =>
      client.POST('/flows/filter', {
        body: {
          flows: { operator: 'or_', id: { any_: flowIds }, name: { any_: flowNamesWanted } },
          limit: PAGE_SIZE,
          offset,
        },
      }),
    'look up flows',
    api,
    (page) => flows.push(...page),
  );
  return { pool, deployments, flowNames: new Map(flows.map((f) => [f.id, f.name])) };
}

/** Reads every page of a filter endpoint, handing each page to `onPage` as it arrives. */
async function pageAll<T>(
  fetchPage: (offset: number) => Promise<{ data?: T[]; error?: unknown; response: Response }>,
  what: string,
  api: PrefectApi,
  onPage: (page: T[]) => void,
): Promise<void> {
  for (let offset = 0; ; offset += PAGE_SIZE) {
    const page = await expectOk(fetchPage(offset), what, api.settings);
    onPage(page);
    if (page.length < PAGE_SIZE) return;
  }
}

/** Compares manifest and server; pure, so plan and apply agree and tests need no server. */
export function buildPlan(options: {
  readonly poolName: string;
  readonly template: JobTemplate;
  readonly desired: readonly ResolvedDeployment[];
  readonly state: ServerState;
  readonly prune: boolean;
  readonly flowCode?: FlowCodePlan;
}): Plan {
  const { poolName, template, desired, state, prune, flowCode } = options;
  const pool = planWorkPool(poolName, template, state.pool);
  const flowIdByName = new Map([...state.flowNames].map(([id, name]) => [name, id]));
  const existing = new Map<string, DeploymentSnapshot>();
  for (const d of state.deployments) {
    const flowName = state.flowNames.get(d.flow_id);
    if (flowName) existing.set(`${flowName}/${d.name}`, d);
  }

  const items: DeploymentPlanItem[] = [];
  const wanted = new Set<string>();
  for (const d of desired) {
    const key = `${d.flowName}/${d.name}`;
    wanted.add(key);
    const body = desiredDeploymentBody(d);
    const current = existing.get(key);
    if (!current) {
      items.push({ action: 'create', flowName: d.flowName, name: d.name, flowId: flowIdByName.get(d.flowName), changes: [], body, managed: true });
      continue;
    }
    const changes = diffDeployment(current, body);
    items.push({
      action: changes.length > 0 ? 'update' : 'unchanged',
      flowName: d.flowName,
      name: d.name,
      id: current.id,
      flowId: current.flow_id,
      changes,
      body: changes.length > 0 ? body : undefined,
      managed: (current.tags ?? []).includes(MANAGED_TAG),
    });
  }

  // Only deployments in our pool that carry our tag are ever deleted.
  for (const [key, d] of existing) {
    if (wanted.has(key) || d.work_pool_name !== poolName || !(d.tags ?? []).includes(MANAGED_TAG)) continue;
    items.push({
      action: prune ? 'delete' : 'orphaned',
      flowName: state.flowNames.get(d.flow_id) ?? '?',
      name: d.name,
      id: d.id,
      flowId: d.flow_id,
      changes: [],
      managed: true,
    });
  }

  const flowsToCreate = [...new Set(items.filter((i) => i.action === 'create' && !i.flowId).map((i) => i.flowName))];
  return { pool, deployments: items, flowsToCreate, prune, flowCode };
}

/** True when apply would write anything. */
export function planHasChanges(plan: Plan): boolean {
  return plan.pool.action !== 'unchanged' || plan.flowCode?.action === 'upload' || plan.deployments.some((d) => d.action === 'create' || d.action === 'update' || d.action === 'delete');
}

/** Counts per action, for summaries. */
export function planSummary(plan: Plan): Record<DeploymentAction, number> {
  const counts: Record<DeploymentAction, number> = { create: 0, update: 0, unchanged: 0, delete: 0, orphaned: 0 };
  for (const d of plan.deployments) counts[d.action]++;
  return counts;
}
