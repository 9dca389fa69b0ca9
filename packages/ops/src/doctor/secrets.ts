import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { messageOf } from '@blog-data/cli-kit';
import { CheckResult, DoctorContext, fail, missingOutput, pass } from './types';

const ID = 'secrets';
const TITLE = 'the API auth and database secrets exist';

/** Both secrets the server reads at start exist and are not scheduled for deletion. */
export async function checkSecrets(ctx: DoctorContext): Promise<CheckResult> {
  const wanted = { api_auth_secret_arn: ctx.outputs.api_auth_secret_arn, database_secret_arn: ctx.outputs.database_secret_arn };
  const found: string[] = [];
  const problems: string[] = [];
  for (const [output, arn] of Object.entries(wanted)) {
    if (!arn) {
      problems.push(`no ${output}`);
      continue;
    }
    try {
      const s = await ctx.aws.secrets.send(new DescribeSecretCommand({ SecretId: arn }));
      if (s.DeletedDate) problems.push(`${s.Name} is scheduled for deletion on ${new Date(s.DeletedDate).toISOString().slice(0, 10)}`);
      else found.push(`${s.Name}${s.LastChangedDate ? ` (changed ${new Date(s.LastChangedDate).toISOString().slice(0, 10)})` : ''}`);
    } catch (err) {
      problems.push((err as Error).name === 'ResourceNotFoundException' ? `${arn} does not exist` : `${arn}: ${messageOf(err)}`);
    }
  }
  if (problems.length === 0) return pass(ID, TITLE, found.join(', '));
  const missingOutputs = problems.filter((p) => p.startsWith('no '));
  const fix = missingOutputs.length > 0
    ? missingOutput(missingOutputs[0].slice(3))
    : 'tasks fail with ResourceInitializationError without them: restore a deleted secret with `aws secretsmanager restore-secret`, or re-apply the platform stack';
  return fail(ID, TITLE, [...found, ...problems].join('; '), fix);
}
