import { ENVIRONMENTS } from '@blog-data/config';
import { buildApp } from './app';

/**
 * The whole picture: every environment gets an account-level bootstrap stack
 * (state bucket, KMS, ECR, CircleCI OIDC) and a platform stack (network,
 * Aurora, ECS server + worker + deployer, ALB, IAM, storage, logs, alarms).
 * `node lib/main.js` synthesizes all of them into cdktf.out/<env>/.
 */
export function synthAll(outdir = 'cdktf.out'): void {
  for (const env of ENVIRONMENTS) {
    buildApp({ env, backend: 's3', outdir: `${outdir}/${env}` }).app.synth();
  }
}

if (require.main === module) synthAll();
