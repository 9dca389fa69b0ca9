import { createWorkspaceRouteRecords } from '@prefecthq/prefect-ui-library';
import { createRouter, createWebHistory, RouteRecordRaw, Router } from 'vue-router';
import DashboardPage from './DashboardPage.vue';
import OpenInPrefectUi from './OpenInPrefectUi.vue';

/** Where the library's object routes live; the dashboard server redirects this prefix to the Prefect UI. */
export const PREFECT_UI_PREFIX = '/prefect';

/**
 * The dashboard page, plus every named route the library's components link to (deployment,
 * flow run, work pool…). Those routes do not render here: they open the same object in the
 * environment's Prefect UI, whose paths are the library's paths (Prefect's UI is built from it).
 */
export function createDashboardRouter(): Router {
  const open = () => Promise.resolve(OpenInPrefectUi);
  const names = [
    'flowRuns', 'flowRun', 'flowRunRadar', 'taskRun', 'flows', 'flow', 'deployments', 'deployment',
    'deploymentEdit', 'deploymentFlowRunCreate', 'workQueues', 'workQueue', 'workQueueCreate', 'workQueueEdit',
    'blocks', 'blocksCatalog', 'blocksCatalogView', 'blockCreate', 'block', 'blockEdit', 'notifications',
    'notificationCreate', 'notificationEdit', 'concurrencyLimit', 'concurrencyLimits', 'workPool', 'workPools',
    'workPoolCreate', 'workPoolEdit', 'workPoolQueue', 'workPoolQueueCreate', 'workPoolQueueEdit',
    'artifacts', 'artifact', 'artifactKey', 'variables', 'automations', 'automation', 'automationCreate',
    'automationEdit', 'events', 'event', 'dashboard',
  ] as const;
  const components = Object.fromEntries(names.map((name) => [name, open]));
  const routes: RouteRecordRaw[] = [
    { path: '/', name: 'platform', component: DashboardPage },
    {
      path: PREFECT_UI_PREFIX,
      children: createWorkspaceRouteRecords(components) as RouteRecordRaw[],
    },
    { path: '/:pathMatch(.*)*', redirect: '/' },
  ];
  return createRouter({ history: createWebHistory('/'), routes });
}
