import { Palette, PLAIN } from '@blog-data/cli-kit';
import type { FieldChange } from './diff';
import { planHasChanges, planSummary } from './plan';
import type { RunResult } from './run';

const SYMBOL: Record<string, string> = { upload: '+', create: '+', update: '~', unchanged: '=', delete: '-', orphaned: '!' };

/** The human report: a table of pool and deployments, then each change's before → after. */
export function renderHuman(result: RunResult, c: Palette = PLAIN): string {
  const { plan } = result;
  const lines: string[] = [];
  const target = result.offline ? 'offline (no Prefect server contacted)' : result.apiUrl;
  lines.push(c.bold(`flows-deployer ${result.command} · env ${result.env} · ${target}`));
  lines.push(c.dim(`image ${result.image.reference} (from ${result.image.source})`));
  for (const w of result.warnings) lines.push(c.yellow(`warning: ${w}`));
  lines.push('');

  const code = plan.flowCode;
  const rows: Array<[string, string, string, string]> = [
    ...(code
      ? [[
        code.action,
        'flow code',
        `s3://${code.location.bucket}/${code.location.folder}`,
        `${code.files} files, ${(code.bytes / 1024).toFixed(1)} KiB${code.checked ? '' : ' (bucket not checked offline)'}`,
      ] as [string, string, string, string]]
      : []),
    [plan.pool.action, 'work pool', plan.pool.name, summarizeChanges(plan.pool.changes)],
    ...plan.deployments.map(
      (d): [string, string, string, string] => [
        d.action,
        'deployment',
        `${d.flowName}/${d.name}`,
        d.action === 'orphaned'
          ? 'left the manifest; kept (run with --prune to delete)'
          : d.action === 'create' && !d.flowId && !result.offline
            ? `new flow ${d.flowName}`
            : d.action === 'update' && !d.managed
              ? `adopts an unmanaged deployment; ${summarizeChanges(d.changes)}`
              : summarizeChanges(d.changes),
      ],
    ),
  ];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length + (i === 0 ? 2 : 0)), i === 0 ? 8 : 4));
  lines.push(c.dim(`  ${'ACTION'.padEnd(widths[0])}  ${'KIND'.padEnd(widths[1])}  ${'NAME'.padEnd(widths[2])}  CHANGES`));
  for (const [action, kind, name, changes] of rows) {
    const label = `${SYMBOL[action]} ${action}`.padEnd(widths[0]);
    lines.push(`  ${colorFor(action, c)(label)}  ${kind.padEnd(widths[1])}  ${name.padEnd(widths[2])}  ${changes}`.trimEnd());
  }

  if (plan.pool.action === 'create') {
    lines.push('', c.bold(`  work pool ${plan.pool.name}: flow-run defaults (ECS base job template variables)`));
    for (const [key, value] of Object.entries(result.jobDefaults)) lines.push(`    ${c.green('+')} ${key} = ${short(value)}`);
  }

  const details: Array<[string, readonly FieldChange[]]> = [];
  if (plan.pool.changes.length > 0) details.push([`work pool ${plan.pool.name}`, plan.pool.changes]);
  for (const d of plan.deployments) if (d.changes.length > 0) details.push([`deployment ${d.flowName}/${d.name}`, d.changes]);
  for (const [title, changes] of details) {
    lines.push('', c.bold(`  ${title}`));
    for (const ch of changes) {
      const show = ch.path === 'schedules' ? describeSchedules : short;
      lines.push(`    ${c.yellow('~')} ${ch.path}: ${c.red(show(ch.before))} → ${c.green(show(ch.after))}`);
    }
  }

  if (result.command === 'apply' && result.applied.length > 0) {
    lines.push('', c.bold('  applied'));
    const mark: Record<string, string> = { created: c.green('+'), updated: c.yellow('~'), deleted: c.red('-') };
    for (const a of result.applied) lines.push(`    ${mark[a.action]} ${a.action} ${a.kind} ${a.name}${a.id ? c.dim(` (${a.id})`) : ''}`);
  }

  const s = planSummary(plan);
  lines.push('');
  const verb = result.command === 'apply' ? 'Applied' : 'Plan';
  lines.push(
    c.bold(
      `${verb}: ${plan.flowCode ? `flow code ${plan.flowCode.action}; ` : ''}pool ${plan.pool.action}; deployments ${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.unchanged} unchanged` +
        (s.orphaned ? `, ${s.orphaned} orphaned (kept)` : '') +
        (plan.flowsToCreate.length ? `; ${plan.flowsToCreate.length} new flow(s)` : ''),
    ),
  );
  if (result.command === 'plan' && !planHasChanges(plan)) lines.push(c.green('No changes: the server matches the manifest.'));
  if (!result.offline) {
    lines.push(c.dim(`Requests: ${result.stats.requests} (${result.stats.writes} writes, ${result.stats.retries} retries) in ${result.durationMs} ms`));
  }
  return lines.join('\n');
}

/** The `--json` document for CI. */
export function renderJson(result: RunResult): Record<string, unknown> {
  const { plan } = result;
  return {
    command: result.command,
    env: result.env,
    offline: result.offline,
    apiUrl: result.apiUrl ?? null,
    image: result.image,
    jobDefaults: result.jobDefaults,
    changes: planHasChanges(plan),
    summary: planSummary(plan),
    flowCode: plan.flowCode ?? null,
    workPool: { name: plan.pool.name, action: plan.pool.action, changes: plan.pool.changes, baseJobTemplate: plan.pool.baseJobTemplate },
    flowsToCreate: plan.flowsToCreate,
    deployments: plan.deployments.map((d) => ({
      flow: d.flowName,
      name: d.name,
      action: d.action,
      id: d.id ?? null,
      managed: d.managed,
      changes: d.changes,
    })),
    applied: result.applied,
    requests: result.stats,
    warnings: result.warnings,
    durationMs: result.durationMs,
  };
}

function summarizeChanges(changes: readonly FieldChange[]): string {
  if (changes.length === 0) return '';
  const paths = changes.map((ch) => ch.path);
  return paths.length <= 3 ? paths.join(', ') : `${paths.slice(0, 3).join(', ')} +${paths.length - 3} more`;
}

/** `cron "30 6 * * *" Europe/London; every 3600s UTC` for normalized schedules. */
function describeSchedules(value: unknown): string {
  if (!Array.isArray(value)) return short(value);
  if (value.length === 0) return '(none)';
  return value
    .map((s: { schedule?: Record<string, unknown>; active?: boolean; parameters?: Record<string, unknown>; slug?: string | null }) => {
      const spec = s.schedule ?? {};
      const what =
        'cron' in spec
          ? `cron "${spec.cron}"${spec.day_or === false ? ' (day_and)' : ''}`
          : 'interval' in spec
            ? `every ${spec.interval}s${spec.anchor_date ? ` from ${spec.anchor_date}` : ''}`
            : `rrule "${spec.rrule}"`;
      const extras = [
        s.active === false ? 'inactive' : '',
        s.slug ? `slug ${s.slug}` : '',
        s.parameters && Object.keys(s.parameters).length ? `parameters ${JSON.stringify(s.parameters)}` : '',
      ].filter(Boolean);
      return `${what} ${spec.timezone ?? 'UTC'}${extras.length ? ` (${extras.join(', ')})` : ''}`;
    })
    .join('; ');
}

function short(value: unknown): string {
  const text = value === undefined ? '(absent)' : JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

function colorFor(action: string, c: Palette): (s: string) => string {
  switch (action) {
    case 'create':
    case 'upload':
      return c.green;
    case 'update':
    case 'orphaned':
      return c.yellow;
    case 'delete':
      return c.red;
    default:
      return c.dim;
  }
}
