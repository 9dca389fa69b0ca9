import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { APP_DIR } from './support/workspace';
import { DeploymentSnapshot, desiredDeploymentBody, diffDeployment } from '../src/deployments';
import { loadManifest } from '../src/manifest/load';

/**
 * Issue #14 points 4 and 5: adopting deployments that `prefect deploy` (3.8.3, outside a git
 * checkout) made from the same prefect.yaml must not show the schema, description or version as
 * changed. The server side is written out by hand from what Prefect sends:
 * - `parameter_openapi_schema` = `ParameterSchema.model_dump(exclude_unset=True)` (runner.py 459-461):
 *   title/type/properties, no `required` (every parameter has a default), no `definitions`;
 * - `description` = the manifest's, else `flow.description` (cli/deploy/_core.py 309-310);
 * - `version` = the manifest's, else `flow.version` = `file_hash(<flow file>)`, the MD5 of its bytes
 *   (runner.py 945-947, flows.py 335-344, utilities/hashing.py 34-45).
 */
const md5 = (file: string): string => createHash('md5').update(readFileSync(path.join(APP_DIR, file))).digest('hex');

const MADE_BY_PREFECT_DEPLOY: Record<string, Partial<DeploymentSnapshot>> = {
  'hourly': {
    description: 'Refresh page-view counts for posts published in the last week.',
    version: md5('flows/blog_data/metrics.py'),
    parameter_openapi_schema: {
      title: 'Parameters',
      type: 'object',
      properties: {
        window_days: { default: 7, position: 0, title: 'window_days', type: 'integer' },
        only_path_prefix: { anyOf: [{ type: 'string' }, { type: 'null' }], default: null, position: 1, title: 'only_path_prefix' },
      },
    },
  },
  'weekly-rebuild': {
    description: 'Rebuild the cleaned dataset and the docs site from scratch (Sunday night).',
    version: md5('flows/blog_data/rebuild.py'),
    parameter_openapi_schema: {
      title: 'Parameters',
      type: 'object',
      properties: {
        publish_site: { default: true, position: 0, title: 'publish_site', type: 'boolean' },
        prefix: { default: 'staging/', position: 1, title: 'prefix', type: 'string' },
      },
    },
  },
};

describe('adopting deployments made by prefect deploy', () => {
  const manifest = loadManifest(path.join(APP_DIR, 'prefect.yaml'), { workPool: 'blog-data-pool', defaultWorkQueue: 'default' });

  it.each(Object.keys(MADE_BY_PREFECT_DEPLOY))('%s: schema, description and version are not changes', (name) => {
    const desired = desiredDeploymentBody(manifest.deployments.find((d) => d.name === name)!);
    const actual = { ...desired, ...MADE_BY_PREFECT_DEPLOY[name], id: 'x', flow_id: 'y' } as unknown as DeploymentSnapshot;
    expect(diffDeployment(actual, desired)).toEqual([]);
    // The old body sent `definitions: {}`, which Prefect never stores: that alone was a change on every adopted deployment.
    const withEmptyDefinitions = { ...actual, parameter_openapi_schema: { ...actual.parameter_openapi_schema, definitions: {} } };
    expect(diffDeployment(withEmptyDefinitions as DeploymentSnapshot, desired).map((c) => c.path)).toEqual(['parameter_openapi_schema.definitions']);
  });
});
