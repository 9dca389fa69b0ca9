import { readFileSync, realpathSync } from 'node:fs';
import * as path from 'node:path';
import { usageError, UserError } from '@blog-data/cli-kit';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { defaultFlowName, FlowSource, inspectFlowSource } from './flow-source';
import { parseYamlFast } from './parse-yaml';
import { parsePythonModule, PyModule } from './python-module';
import { ENTRYPOINT, ManifestDeployment, manifestDeploymentSchema, ManifestSchedule, manifestSchema } from './schema';

/** A deployment from the manifest with everything `prefect deploy` would resolve filled in. */
export interface ResolvedDeployment {
  /** Position in `deployments:` (for messages). */
  readonly index: number;
  readonly name: string;
  /** `flow_name`, else `@flow(name=...)`, else the function name with `_` → `-`. */
  readonly flowName: string;
  readonly entrypoint: string;
  /** The manifest's, else the flow's (`@flow(description=)` or docstring), as `prefect deploy` does. */
  readonly description: string | null;
  /** The manifest's, else the flow's (`@flow(version=)` or the MD5 of the flow file). */
  readonly version: string | null;
  readonly tags: readonly string[];
  readonly parameters: Record<string, unknown>;
  readonly parameterSchema: Record<string, unknown> | null;
  readonly enforceParameterSchema: boolean;
  /** Schedules in manifest order; the legacy `schedule:` becomes a one-item list. */
  readonly schedules: readonly ManifestSchedule[];
  /** Only set when the manifest says so: an operator pausing a deployment in the UI is not drift. */
  readonly paused?: boolean;
  readonly workPoolName: string;
  readonly workQueueName: string | null;
  readonly jobVariables: Record<string, unknown>;
  readonly concurrencyLimit: number | null;
  readonly collisionStrategy: 'ENQUEUE' | 'CANCEL_NEW' | null;
  /** The deployment's pull steps, else the manifest's top-level ones. */
  readonly pullSteps: Record<string, unknown>[] | null;
}

/** A validated manifest. */
export interface ResolvedManifest {
  readonly file: string;
  readonly deployments: readonly ResolvedDeployment[];
  /** Non-fatal notes (ignored build/push sections). */
  readonly warnings: readonly string[];
}

/** What the loader needs to know about the target. */
export interface LoadManifestOptions {
  /** The pool this deployer manages; deployments default to it and may not name another. */
  readonly workPool: string;
  /** The queue deployments use when they do not name one. */
  readonly defaultWorkQueue?: string;
  /** Reads flow sources; default: the file system relative to the manifest, never outside its folder. */
  readonly readFile?: (file: string) => string;
}

/** Reads and validates `prefect.yaml`; throws a usage error listing every problem with its field path. */
export function loadManifest(file: string, options: LoadManifestOptions): ResolvedManifest {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw usageError(`cannot read the manifest: ${(err as Error).message}`, file, 'pass --manifest <path to prefect.yaml>');
  }
  const projectDir = path.dirname(path.resolve(file));
  const readFile = options.readFile ?? ((f: string) => readProjectFile(projectDir, f));
  // Name the file the way the user can find it: relative when under the working directory.
  const relative = path.relative(process.cwd(), file);
  const label = relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
  return parseManifest(text, { ...options, file: label, readFile });
}

/** The `code` of the error a reader throws for a path that leaves the project (e.g. through a symlink). */
export const OUTSIDE_PROJECT = 'EOUTSIDEPROJECT';

/** Reads a file of the project, refusing anything whose real path leaves the project folder. */
export function readProjectFile(projectDir: string, relFile: string): string {
  const real = realpathSync(path.resolve(projectDir, relFile));
  const inside = path.relative(realpathSync(projectDir), real);
  if (inside.startsWith('..') || path.isAbsolute(inside)) {
    throw Object.assign(new Error(`resolves to ${real}, outside the project folder`), { code: OUTSIDE_PROJECT });
  }
  return readFileSync(real, 'utf8');
}

/** Parses manifest text (YAML with anchors, aliases and `<<:` merge keys, as Prefect users write it). */
export function parseManifest(
  text: string,
  options: LoadManifestOptions & { readonly file: string; readonly readFile: (file: string) => string },
): ResolvedManifest {
  const { file } = options;
  const raw = parseYaml(text, file);
  const problems: Problem[] = [];
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push({ deployment: issue.path[0] === 'deployments' && typeof issue.path[1] === 'number' ? issue.path[1] : -1, text: describeIssue(file, raw, issue) });
    }
  }
  // Every deployment is checked on its own, so one malformed entry never hides the problems of the others.
  const rawDeployments = Array.isArray((raw as { deployments?: unknown })?.deployments) ? (raw as { deployments: unknown[] }).deployments : [];
  const topPull = manifestSchema.shape.pull.safeParse((raw as { pull?: unknown })?.pull);
  const context: ResolveContext = { ...options, topPull: topPull.success ? topPull.data ?? null : null, modules: new Map(), flows: new Map() };
  const warnings: string[] = [];
  const deployments: ResolvedDeployment[] = [];
  if (parsed.success && (parsed.data.build || parsed.data.push)) {
    warnings.push(`${file}: top-level build/push steps are ignored (image-builder builds and pushes the image)`);
  }
  rawDeployments.forEach((entry, index) => {
    const report = (t: string): void => void problems.push({ deployment: index, text: t });
    const one = parsed.success ? { success: true as const, data: parsed.data.deployments[index] } : manifestDeploymentSchema.safeParse(entry);
    if (one.success) {
      const resolved = resolveDeployment(one.data, index, context, report, warnings);
      if (resolved) deployments.push(resolved);
      return;
    }
    // The entry is invalid (already reported); still check its flow file when the entrypoint itself is well-formed.
    const { entrypoint, name } = (entry ?? {}) as { entrypoint?: unknown; name?: unknown };
    if (typeof entrypoint === 'string' && ENTRYPOINT.test(entrypoint)) {
      const where = `${file}: deployments[${index}]${typeof name === 'string' ? ` (${name})` : ''}`;
      readFlow(entrypoint, where, context, report);
    }
  });
  const seen = new Map<string, number>();
  for (const d of deployments) {
    const key = `${d.flowName}/${d.name}`;
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push({ deployment: d.index, text: `${file}: deployments[${d.index}] (${d.name}).name: duplicates deployments[${first}] (same flow ${d.flowName} and name)` });
    }
    seen.set(key, d.index);
  }
  if (problems.length > 0) {
    // Grouped by deployment (top-level problems first), in the order found within each.
    const ordered = problems.map((p, i) => ({ ...p, i })).sort((a, b) => a.deployment - b.deployment || a.i - b.i);
    throw invalidManifest(file, [...new Set(ordered.map((p) => p.text))]);
  }
  return { file, deployments, warnings };
}

/** The manifest's value; syntax errors are reported with line and column by `yaml`'s parser. */
function parseYaml(text: string, file: string): unknown {
  const fast = parseYamlFast(text);
  if ('value' in fast) return fast.value;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { merge: true, uniqueKeys: true, prettyErrors: false, lineCounter });
  if (doc.errors.length > 0) {
    throw invalidManifest(
      file,
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return `${file}:${pos.line}:${pos.col}: ${e.message.split('\n')[0]}`;
      }),
    );
  }
  const mark = fast.error.mark;
  throw invalidManifest(file, [`${file}${mark ? `:${mark.line + 1}:${mark.column + 1}` : ''}: ${fast.error.reason}`]);
}

interface Problem {
  /** Index in `deployments:`, -1 for the manifest as a whole. */
  readonly deployment: number;
  readonly text: string;
}

type ResolveContext = LoadManifestOptions & {
  readonly file: string;
  readonly readFile: (file: string) => string;
  readonly topPull: Record<string, unknown>[] | null;
  /** Parsed flow files by path, and inspected flows (or their problem) by entrypoint. */
  readonly modules: Map<string, PyModule>;
  readonly flows: Map<string, FlowSource | string>;
};

/** The flow behind an entrypoint, or undefined after reporting why it cannot be read. */
function readFlow(entrypoint: string, where: string, options: ResolveContext, report: (problem: string) => void): FlowSource | undefined {
  const [relFile, functionName] = splitEntrypoint(entrypoint);
  // Flow code is bundled from the manifest's folder: a path leaving it would ship files from outside the project.
  const normalized = path.posix.normalize(relFile.replace(/\\/g, '/'));
  if (path.posix.isAbsolute(normalized) || normalized === '..' || normalized.startsWith('../')) {
    report(`${where}.entrypoint: ${relFile} is outside the project folder (the manifest's directory); flow files must live inside it`);
    return undefined;
  }
  // Many deployments share a flow file (and often a flow): read and parse each once per manifest.
  let outcome = options.flows.get(entrypoint);
  if (!outcome) {
    outcome = inspectEntrypoint(relFile, functionName, options);
    options.flows.set(entrypoint, outcome);
  }
  if (typeof outcome === 'string') {
    report(`${where}.entrypoint: ${outcome}`);
    return undefined;
  }
  return outcome;
}

/** The flow, or the problem (without the `where` prefix). */
function inspectEntrypoint(relFile: string, functionName: string, options: ResolveContext): FlowSource | string {
  let module = options.modules.get(relFile);
  if (!module) {
    try {
      module = parsePythonModule(options.readFile(relFile));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === OUTSIDE_PROJECT) return `${relFile} ${(err as Error).message}; flow files must live inside it`;
      return `file ${relFile} not found (paths are relative to the manifest's directory)`;
    }
    options.modules.set(relFile, module);
  }
  try {
    return inspectFlowSource(module, functionName);
  } catch (err) {
    return `${(err as Error).message} in ${relFile}`;
  }
}

function resolveDeployment(
  d: ManifestDeployment,
  index: number,
  options: ResolveContext,
  report: (problem: string) => void,
  warnings: string[],
): ResolvedDeployment | undefined {
  const where = `${options.file}: deployments[${index}] (${d.name})`;
  if (d.build || d.push) warnings.push(`${where}: build/push steps are ignored (image-builder builds and pushes the image)`);
  const functionName = splitEntrypoint(d.entrypoint)[1];
  const flow = readFlow(d.entrypoint, where, options, report);
  const parameterSchema = d.parameter_openapi_schema !== undefined ? d.parameter_openapi_schema : flow?.parameterSchema ?? null;
  if (flow && d.parameter_openapi_schema === undefined) {
    for (const note of flow.notes) warnings.push(`${where}.entrypoint: ${note}`);
  }
  const poolName = d.work_pool?.name ?? options.workPool;
  if (poolName !== options.workPool) {
    report(`${where}.work_pool.name: must be ${options.workPool} (the pool this deployer manages), got ${poolName}`);
  }
  const unknownParameters = unknownParameterNames(d.parameters ?? {}, parameterSchema);
  if (unknownParameters.length > 0 && (d.enforce_parameter_schema ?? true)) {
    report(`${where}.parameters: ${unknownParameters.join(', ')} not accepted by ${functionName}() (set enforce_parameter_schema: false to allow)`);
  }
  if (!flow) return undefined;
  const concurrency = d.concurrency_limit;
  return {
    index,
    name: d.name,
    flowName: d.flow_name ?? flow.decoratedName ?? defaultFlowName(functionName),
    entrypoint: d.entrypoint,
    // `prefect deploy` falls back to the flow's own description and version when these are empty.
    description: d.description || flow.description || null,
    version: d.version || flow.version,
    tags: d.tags ?? [],
    parameters: d.parameters ?? {},
    parameterSchema,
    enforceParameterSchema: d.enforce_parameter_schema ?? true,
    schedules: d.schedules ?? (d.schedule ? [d.schedule] : []),
    paused: d.paused,
    workPoolName: poolName,
    workQueueName: d.work_pool?.work_queue_name ?? options.defaultWorkQueue ?? null,
    jobVariables: d.work_pool?.job_variables ?? {},
    concurrencyLimit: concurrency == null ? null : typeof concurrency === 'number' ? concurrency : concurrency.limit,
    collisionStrategy: concurrency != null && typeof concurrency === 'object' ? concurrency.collision_strategy ?? 'ENQUEUE' : null,
    pullSteps: d.pull ?? options.topPull ?? null,
  };
}

function splitEntrypoint(entrypoint: string): [string, string] {
  const colon = entrypoint.lastIndexOf(':');
  return [entrypoint.slice(0, colon), entrypoint.slice(colon + 1)];
}

function unknownParameterNames(parameters: Record<string, unknown>, schema: Record<string, unknown> | null): string[] {
  const props = schema?.properties;
  if (!props || typeof props !== 'object') return [];
  return Object.keys(parameters).filter((p) => !(p in props));
}

/** `prefect.yaml: deployments[1] (hourly).schedules[0].cron: must be …` */
function describeIssue(file: string, raw: unknown, issue: z.core.$ZodIssue): string {
  let pathParts = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    pathParts = [...pathParts, issue.keys.join(',')];
    message = 'unknown field (not part of Prefect\'s prefect.yaml format)';
  } else if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) {
    message = 'is required';
  }
  if (pathParts.length === 0) return `${file}: ${message}`;
  let out = file + ':';
  for (let i = 0; i < pathParts.length; i++) {
    const part = pathParts[i];
    if (typeof part === 'number') {
      out += `[${part}]`;
      if (i === 1 && pathParts[0] === 'deployments') {
        const name = (raw as { deployments?: Array<{ name?: unknown }> })?.deployments?.[part]?.name;
        if (typeof name === 'string') out += ` (${name})`;
      }
    } else {
      out += (i === 0 ? ' ' : '.') + part;
    }
  }
  return `${out}: ${message}`;
}

/** Every problem of the manifest at once: one `error:` line each (file, item and field), exit 2. */
function invalidManifest(file: string, problems: readonly string[]): UserError {
  return usageError(`${file} is invalid`, file, 'fix the fields named', { kind: 'invalid-manifest', problems: problems.map((what) => ({ what })) });
}
