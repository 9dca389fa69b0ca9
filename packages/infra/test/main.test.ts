import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ENVIRONMENTS } from '@blog-data/config';
import { synthAll } from '../src/main';

describe('main', () => {
  it('synthesizes a bootstrap and a platform stack for every environment', () => {
    const outdir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'infra-main-')), 'cdktf.out');
    synthAll(outdir);
    for (const env of ENVIRONMENTS) {
      const stacks = fs.readdirSync(path.join(outdir, env, 'stacks')).sort();
      expect(stacks).toEqual([`blog-data-${env}-bootstrap`, `blog-data-${env}-platform`]);
      const platform = JSON.parse(fs.readFileSync(path.join(outdir, env, 'stacks', `blog-data-${env}-platform`, 'cdk.tf.json'), 'utf8'));
      expect(platform.terraform.backend.s3.key).toBe(`blog-data/${env}/blog-data-${env}-platform.tfstate`);
    }
  });
});
