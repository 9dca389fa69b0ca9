import { readFileSync } from 'node:fs';
import { PREFECT_OPENAPI_DOCUMENT } from '../src/document';

/**
 * The facts about Prefect 3.8.3 the clients rely on, checked against the committed OpenAPI
 * document so a contract update that breaks one fails here first.
 */
const spec = JSON.parse(readFileSync(PREFECT_OPENAPI_DOCUMENT, 'utf8'));
const schemas = spec.components.schemas;

describe('Prefect 3.8.3 contract', () => {
  it.each(['FlowCreate', 'DeploymentCreate', 'DeploymentUpdate', 'DeploymentScheduleCreate', 'WorkPoolCreate', 'WorkPoolUpdate', 'CronSchedule', 'IntervalSchedule', 'RRuleSchedule'])(
    '%s forbids unknown fields',
    (name) => {
      expect(schemas[name].additionalProperties).toBe(false);
    },
  );

  it('has every operation the deployer calls, with the documented success status', () => {
    const ok = (p: string, method: string) => Object.keys(spec.paths[p][method].responses).filter((s) => s.startsWith('2'));
    expect(ok('/health', 'get')).toEqual(['200']);
    expect(ok('/flows/', 'post')).toEqual(['200']);
    expect(ok('/flows/filter', 'post')).toEqual(['200']);
    expect(ok('/deployments/', 'post')).toEqual(['200']);
    expect(ok('/deployments/filter', 'post')).toEqual(['200']);
    expect(ok('/deployments/{id}', 'delete')).toEqual(['204']);
    expect(ok('/work_pools/', 'post')).toEqual(['201']);
    expect(ok('/work_pools/{name}', 'get')).toEqual(['200']);
    expect(ok('/work_pools/{name}', 'patch')).toEqual(['204']);
    expect(spec.servers).toEqual([{ url: '/api' }]);
  });

  it('keys deployments by flow and name and lets the create body carry everything we manage', () => {
    expect(schemas.DeploymentCreate.required).toEqual(['name', 'flow_id']);
    const props = Object.keys(schemas.DeploymentCreate.properties);
    for (const field of ['description', 'version', 'entrypoint', 'parameters', 'parameter_openapi_schema', 'enforce_parameter_schema', 'tags', 'work_pool_name', 'work_queue_name', 'job_variables', 'pull_steps', 'schedules', 'concurrency_limit', 'concurrency_options', 'paused']) {
      expect(props).toContain(field);
    }
  });

  it('reports validation errors as a FastAPI detail list with field locations', () => {
    expect(schemas.HTTPValidationError.properties.detail.items.$ref).toBe('#/components/schemas/ValidationError');
    expect(schemas.ValidationError.required).toEqual(['loc', 'msg', 'type']);
  });
});
