import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { defaultFlowName, inspectFlowSource } from './flow-source';
import { Manifest, ManifestDeployment, ManifestSchedule, manifestSchema } from './schema';
import { DeployerError, ValidationProblems } from '../errors';

/** A deployment from the manifest with everything `prefect deploy` would resolve filled in. */
export interface ResolvedDeployment {
  /** Position in `deployments:` (for messages). */
  readonly index: number;
  readonly name: string;
  /** `flow_name`, else `@flow(name=...)`, else the function name with `_` → `-`. */
  readonly flowName: string;
  readonly entrypoint: string;
  readonly description: string | null;
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
  /** Reads flow sources; default: the file system relative to the manifest. */
  readonly readFile?: (file: string) => string;
}

/** Reads and validates `prefect.yaml`; throws {@link ValidationProblems} listing every problem with its field path. */
export function loadManifest(file: string, options: LoadManifestOptions): ResolvedManifest {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new DeployerError(`cannot read the manifest: ${(err as Error).message}`, file, 'pass --manifest <path to prefect.yaml>');
  }
  const readFile = options.readFile ?? ((f: string) => readFileSync(path.resolve(path.dirname(file), f), 'utf8'));
  // Name the file the way the user can find it: relative when under the working directory.
  const relative = path.relative(process.cwd(), file);
  const label = relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
  return parseManifest(text, { ...options, file: label, readFile });
}

/** Parses manifest text (YAML with anchors, aliases and `<<:` merge keys, as Prefect users write it). */
export function parseManifest(
  text: string,
  options: LoadManifestOptions & { readonly file: string; readonly readFile: (file: string) => string },
): ResolvedManifest {
  const { file } = options;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { merge: true, uniqueKeys: true, prettyErrors: false, lineCounter });
  if (doc.errors.length > 0) {
    throw new ValidationProblems(
      file,
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return `${file}:${pos.line}:${pos.col}: ${e.message.split('\n')[0]}`;
      }),
    );
  }
  const raw: unknown = doc.toJS({ maxAliasCount: 1000 });
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ValidationProblems(file, parsed.error.issues.map((issue) => describeIssue(file, raw, issue)));
  }
  return resolve(parsed.data, options);
}

function resolve(
  manifest: Manifest,
  options: LoadManifestOptions & { readonly file: string; readonly readFile: (file: string) => string },
): ResolvedManifest {
  const { file } = options;
  const problems: string[] = [];
  const warnings: string[] = [];
  const deployments: ResolvedDeployment[] = [];
  if (manifest.build || manifest.push) {
    warnings.push(`${file}: top-level build/push steps are ignored (image-builder builds and pushes the image)`);
  }
  manifest.deployments.forEach((d: ManifestDeployment, index) => {
    const where = `${file}: deployments[${index}] (${d.name})`;
    if (d.build || d.push) warnings.push(`${where}: build/push steps are ignored (image-builder builds and pushes the image)`);
    const [relFile, functionName] = splitEntrypoint(d.entrypoint);
    let decoratedName: string | undefined;
    let parameterSchema: Record<string, unknown> | null = d.parameter_openapi_schema ?? null;
    let source: string | undefined;
    try {
      source = options.readFile(relFile);
    } catch {
      problems.push(`${where}.entrypoint: file ${relFile} not found (paths are relative to the manifest's directory)`);
    }
    if (source !== undefined) {
      try {
        const flow = inspectFlowSource(source, functionName);
        decoratedName = flow.decoratedName;
        if (d.parameter_openapi_schema === undefined) parameterSchema = flow.parameterSchema;
      } catch (err) {
        problems.push(`${where}.entrypoint: ${(err as Error).message} in ${relFile}`);
      }
    }
    const poolName = d.work_pool?.name ?? options.workPool;
    if (poolName !== options.workPool) {
      problems.push(`${where}.work_pool.name: must be ${options.workPool} (the pool this deployer manages), got ${poolName}`);
    }
    const unknownParameters = unknownParameterNames(d.parameters ?? {}, parameterSchema);
    if (unknownParameters.length > 0 && (d.enforce_parameter_schema ?? true)) {
      problems.push(
        `${where}.parameters: ${unknownParameters.join(', ')} not accepted by ${functionName}() (set enforce_parameter_schema: false to allow)`,
      );
    }
    const concurrency = d.concurrency_limit;
    deployments.push({
      index,
      name: d.name,
      flowName: d.flow_name ?? decoratedName ?? defaultFlowName(functionName),
      entrypoint: d.entrypoint,
      description: d.description ?? null,
      version: d.version ?? null,
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
      pullSteps: d.pull ?? manifest.pull ?? null,
    });
  });
  const seen = new Map<string, number>();
  for (const d of deployments) {
    const key = `${d.flowName}/${d.name}`;
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push(`${file}: deployments[${d.index}] (${d.name}).name: duplicates deployments[${first}] (same flow ${d.flowName} and name)`);
    }
    seen.set(key, d.index);
  }
  if (problems.length > 0) throw new ValidationProblems(file, problems);
  return { file, deployments, warnings };
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
