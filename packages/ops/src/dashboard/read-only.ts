/**
 * The dashboard's write barrier. The UI library's per-object controls (a work pool's pause
 * toggle, a deployment's schedule switch) send writes whatever `can` says, so the server, not
 * the page, decides: reads pass, everything else is refused before it reaches Prefect.
 */
export type ReadOnlyVerdict = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

/**
 * POSTs that only read. Prefect's API takes filters in a POST body (`/deployments/filter`,
 * `/flow_runs/paginate`, `/task_runs/count`, `/flow_runs/history`, `/flow_runs/lateness`), and its
 * UI-only endpoints (`/ui/…`) are all reads.
 */
const READ_POST = /^\/(?:ui\/.+|(?:[A-Za-z0-9_.-]+\/)+(?:filter|paginate|count|history|lateness))$/;

/** `apiPath` is the path below `/api` (e.g. `/work_pools/blog-data-pool`). */
export function readOnlyVerdict(method: string, apiPath: string): ReadOnlyVerdict {
  const m = method.toUpperCase();
  if (m === 'GET' || m === 'HEAD') return { allowed: true };
  // Path segments in Prefect's API are names, ids and snake_case words; anything else (`..`,
  // encoded slashes) is not a read we know and is refused rather than normalized.
  const clean = /^\/[A-Za-z0-9_\-./]*$/.test(apiPath) && !apiPath.includes('..');
  if (m === 'POST' && clean && READ_POST.test(apiPath)) {
    return { allowed: true };
  }
  return { allowed: false, reason: `the dashboard is read-only: ${m} /api${apiPath} would change the environment` };
}
