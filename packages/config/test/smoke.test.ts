import { loadConfig } from '../src';
it('loads dev', () => expect(loadConfig({ env: 'dev', environ: {} }).prefect.workPool).toBe('blog-data-pool'));
