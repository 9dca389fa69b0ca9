import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ENVIRONMENTS } from '@blog-data/config';
import { TEST_DIGEST_ENV } from './helpers';
import { synthAll } from '../src/main';

describe('main', () => {
  it('synthesizes a bootstrap and a platform stack for every environment', () => {
    const outdir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'infra-main-')), 'cdktf.out');
    // synthAll reads PLATFORM_* from the process, like `node lib/main.js` after image-builder published.
    Object.assign(process.env, TEST_DIGEST_ENV);
    try {
      synthAll(outdir);
    } finally {
      for (const name of Object.keys(TEST_DIGEST_ENV)) delete process.env[name];
    }
    for (const env of ENVIRONMENTS) {
      const stacks = fs.readdirSync(path.join(outdir, env, 'stacks')).sort();
      expect(stacks).toEqual([`blog-data-${env}-bootstrap`, `blog-data-${env}-platform`]);
      const platform = JSON.parse(fs.readFileSync(path.join(outdir, env, 'stacks', `blog-data-${env}-platform`, 'cdk.tf.json'), 'utf8'));
      expect(platform.terraform.backend.s3.key).toBe(`blog-data/${env}/blog-data-${env}-platform.tfstate`);
    }
  });
});
