// Style order matters (Prefect's own ui/src/main.ts): charts, design system, then the library.
import '@prefecthq/vue-charts/vue-charts.css';
import '@prefecthq/prefect-design/prefect-design.css';
import '@prefecthq/prefect-ui-library/prefect-ui-library.css';
import './style.css';
import { plugin as PrefectDesign } from '@prefecthq/prefect-design';
import {
  applyColorModeClass,
  canKey,
  createApi,
  createCan,
  createWorkspaceRoutes,
  plugin as PrefectUILibrary,
  workspaceApiKey,
  workspacePermissions,
  workspaceRoutesKey,
} from '@prefecthq/prefect-ui-library';
import { createApp } from 'vue';
import App from './App.vue';
import { createDashboardRouter } from './router';

// Without a colour-mode class every state badge renders grey.
applyColorModeClass(null);

const app = createApp(App);
app.use(createDashboardRouter());
app.use(PrefectDesign);
app.use(PrefectUILibrary);

// The dashboard server proxies /api to the environment's Prefect API and adds the auth header
// itself, so the page needs no credentials (the browser never sees the auth string).
app.provide(workspaceApiKey, createApi({ baseUrl: `${window.location.origin}/api` }));
// Read permissions only: hides edit/delete/run actions where the library honours `can`. It does not
// everywhere (per-object toggles are hard-wired), which is why the server also refuses writes.
app.provide(canKey, createCan(workspacePermissions.filter((p) => p.startsWith('read:'))));
app.provide(workspaceRoutesKey, createWorkspaceRoutes());

app.mount('#app');
