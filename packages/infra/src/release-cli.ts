import * as fs from 'node:fs';
import { parseArgs as parseNodeArgs } from 'node:util';
import { ECSClient } from '@aws-sdk/client-ecs';
import { flattenTerraformOutputs, loadConfig } from '@blog-data/config';
import { rollBackWithDowngrade, rollOutAfterMigration } from '@blog-data/ecs-rollout';
import { planServerRelease, planServerRollback, readReleaseOutputs } from './release';

const USAGE = `usage: platform-release <roll|rollback> --outputs-file FILE [options]
  roll                       run the migration task to its end, then move the server service to the newest task definition
  rollback                   stop the server, downgrade the schema (with --downgrade-to), start --to-task-definition
  --outputs-file FILE        the platform stack's outputs (platform-infra apply/output --outputs-file)
  --env dev|staging|prod     environment, for the region (default: PLATFORM_ENV, then dev)
  --to-task-definition ARN   rollback: the server task definition to return to
  --downgrade-to REVISION    rollback: the alembic revision of that release (omit when its schema is the same)
  --json                     the result as JSON on stdout`;

/** Entry point of `platform-release`; resolves with the exit code. Progress goes to stderr. */
export async function main(argv: readonly string[], out = process.stdout, err = process.stderr, environ = process.env): Promise<number> {
  let ecs: ECSClient | undefined;
  try {
    const { values, positionals } = parseNodeArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        'outputs-file': { type: 'string' },
        'env': { type: 'string' },
        'to-task-definition': { type: 'string' },
        'downgrade-to': { type: 'string' },
        'json': { type: 'boolean' },
        'help': { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      out.write(`${USAGE}\n`);
      return 0;
    }
    const command = positionals[0];
    if (command !== 'roll' && command !== 'rollback') throw new UsageError(command ? `unknown command "${command}"` : 'missing command');
    const file = values['outputs-file'];
    if (!file) throw new UsageError('--outputs-file is required');
    if (command === 'rollback' && !values['to-task-definition']) throw new UsageError('rollback needs --to-task-definition');
    const config = loadConfig({ env: values.env, environ });
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`cannot read ${file}: ${(e as Error).message}`);
    }
    const outputs = readReleaseOutputs(flattenTerraformOutputs(parsed), file);
    ecs = new ECSClient({ region: config.aws.region, maxAttempts: 5 });
    const progress = { onProgress: (line: string) => err.write(`  ${line}\n`) };
    const waits = { task: progress, service: progress };
    const result = command === 'roll'
      ? await rollOutAfterMigration(ecs, planServerRelease(outputs), waits)
      : await rollBackWithDowngrade(ecs, planServerRollback(outputs, { taskDefinition: values['to-task-definition']!, downgradeTo: values['downgrade-to'] }), waits);
    if (values.json) {
      out.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      const task = 'migration' in result ? result.migration : result.downgrade;
      if (task) out.write(`${command === 'roll' ? 'migration' : 'downgrade'}: ${task.summary}\n`);
      for (const s of result.services) out.write(`${s.service}: ${s.taskDefinition.split('/').pop()} (${s.summary})\n`);
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err.write(`error: ${(e as Error).message}\n${USAGE}\n`);
      return 2;
    }
    err.write(`error: ${(e as Error).message}\n`);
    return 1;
  } finally {
    ecs?.destroy();
  }
}

class UsageError extends Error {}
