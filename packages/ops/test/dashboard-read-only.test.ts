import { readOnlyVerdict } from '../src/dashboard/read-only';

describe('the dashboard lets reads through and refuses writes', () => {
  // What the UI library's components send (captured from the page) and what its controls would write.
  it.each([
    ['GET', '/work_pools/blog-data-pool'],
    ['HEAD', '/health'],
    ['POST', '/deployments/filter'],
    ['POST', '/deployments/paginate'],
    ['POST', '/flow_runs/filter'],
    ['POST', '/flow_runs/count'],
    ['POST', '/flow_runs/history'],
    ['POST', '/flow_runs/lateness'],
    ['POST', '/task_runs/count'],
    ['POST', '/work_pools/filter'],
    ['POST', '/work_pools/blog-data-pool/queues/filter'],
    ['POST', '/work_pools/Blog.Pool_2/workers/filter'],
    ['POST', '/ui/flow_runs/count-task-runs'],
    ['POST', '/ui/schemas/validate'],
  ])('allows %s %s', (method, path) => {
    expect(readOnlyVerdict(method, path)).toEqual({ allowed: true });
  });

  it.each([
    ['PATCH', '/work_pools/blog-data-pool'], // the work-pool card's pause toggle
    ['PATCH', '/deployments/3c9b4c0e-0f6e-4d55-9d8e-7b1c0c3a6f10'], // the deployment's disable toggle
    ['POST', '/deployments/3c9b4c0e-0f6e-4d55-9d8e-7b1c0c3a6f10/create_flow_run'],
    ['POST', '/flow_runs/3c9b4c0e-0f6e-4d55-9d8e-7b1c0c3a6f10/set_state'],
    ['POST', '/work_pools/blog-data-pool/get_scheduled_flow_runs'], // marks the pool polled
    ['POST', '/work_pools/'],
    ['DELETE', '/deployments/3c9b4c0e-0f6e-4d55-9d8e-7b1c0c3a6f10'],
    ['PUT', '/variables/name/x'],
    ['POST', '/flow_runs/../work_pools/filter'],
    ['POST', '/flow_runs/%2e%2e/filter'],
    ['POST', '/filter'],
    ['OPTIONS', '/deployments/filter'],
  ])('refuses %s %s with a reason naming it', (method, path) => {
    const verdict = readOnlyVerdict(method, path);
    expect(verdict.allowed).toBe(false);
    expect(verdict).toMatchObject({ reason: `the dashboard is read-only: ${method} /api${path} would change the environment` });
  });
});
