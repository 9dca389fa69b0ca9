import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { messageOf } from '@blog-data/cli-kit';
import { parseStreamName } from '../logs';
import { CheckResult, DoctorContext, fail, pass } from './types';

/** A failure from the production runbook, as it appears in the logs, and its fix. */
export interface LogSignature {
  /** Which service's logs carry it. */
  readonly service: 'api' | 'worker';
  /** CloudWatch Logs filter pattern (a quoted term). */
  readonly pattern: string;
  readonly label: string;
  readonly fix: string;
}

/** The runbook's failures that leave a trace in the logs. */
export const RUNBOOK_SIGNATURES: readonly LogSignature[] = [
  {
    service: 'api',
    pattern: '"exec format error"',
    label: 'exec format error (server)',
    fix: 'the server image is not linux/amd64: rebuild with `image-builder publish` and redeploy',
  },
  {
    service: 'worker',
    pattern: '"exec format error"',
    label: 'exec format error (worker)',
    fix: 'the worker image is not linux/amd64: rebuild with `image-builder publish` and redeploy',
  },
  {
    service: 'worker',
    pattern: '"ConnectError"',
    label: 'worker ConnectError',
    fix: 'the worker cannot reach PREFECT_API_URL: check the API checks above, the worker security group\'s egress (80/443 to the ALB, 4200 to the server) '
      + 'and that PREFECT_API_URL is the ALB/domain URL ending in /api',
  },
  {
    service: 'api',
    pattern: '"TimeoutError"',
    label: 'server time-outs (database)',
    fix: 'the server times out talking to Aurora: check the Aurora checks (status, security group admits the server on 5432) and that the cluster is not at max ACU',
  },
];

/** How far back the scan looks. */
const WINDOW_MS = 60 * 60 * 1000;

/**
 * Scans the last hour of the server and worker logs for the runbook's
 * signatures (one FilterLogEvents per signature, a few events each), so a
 * failure that comes and goes still shows up.
 */
export async function checkLogSignatures(ctx: DoctorContext): Promise<CheckResult> {
  const id = 'runbook-log-signatures';
  const groups = {
    api: ctx.outputs.log_group_api ?? ctx.config.logs.api,
    worker: ctx.outputs.log_group_worker ?? ctx.config.logs.worker,
  };
  const title = `no runbook failure in the last hour of ${groups.api} and ${groups.worker}`;
  const now = (ctx.now ?? (() => new Date()))().getTime();
  const hits: { signature: LogSignature; count: number; latest: string }[] = [];
  const missing = new Set<string>();
  try {
    for (const signature of RUNBOOK_SIGNATURES) {
      const group = groups[signature.service];
      if (missing.has(group)) continue;
      try {
        const res = await ctx.aws.logs.send(new FilterLogEventsCommand({
          logGroupName: group, filterPattern: signature.pattern, startTime: now - WINDOW_MS, endTime: now, limit: 20,
        }));
        const events = res.events ?? [];
        if (events.length > 0) {
          const last = events.reduce((a, b) => ((b.timestamp ?? 0) > (a.timestamp ?? 0) ? b : a));
          const task = parseStreamName(last.logStreamName ?? '').taskId;
          hits.push({
            signature,
            count: events.length,
            latest: `${new Date(last.timestamp ?? 0).toISOString()} task ${task}: ${(last.message ?? '').trim().slice(0, 120)}`,
          });
        }
      } catch (err) {
        if ((err as Error).name !== 'ResourceNotFoundException') throw err;
        missing.add(group);
      }
    }
  } catch (err) {
    return fail(id, title, `CloudWatch Logs failed: ${messageOf(err)}`, 'check AWS credentials and region (logs:FilterLogEvents)');
  }
  if (missing.size > 0) {
    return fail(id, title, `log group ${[...missing].join(', ')} does not exist`, 'apply the platform stack: it creates the log groups the tasks write to');
  }
  if (hits.length === 0) return pass(id, title, 'none of: exec format error, ConnectError, TimeoutError');
  const found = hits.map((h) => `${h.signature.label} ×${h.count}${h.count === 20 ? '+' : ''} (latest ${h.latest})`).join('; ');
  return fail(id, title, found, hits[0].signature.fix);
}
