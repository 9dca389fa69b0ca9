import type { SourceInfo } from './git';

/** OCI label keys this tool sets. */
export const LABELS = {
  title: 'org.opencontainers.image.title',
  source: 'org.opencontainers.image.source',
  revision: 'org.opencontainers.image.revision',
  created: 'org.opencontainers.image.created',
  version: 'org.opencontainers.image.version',
} as const;

/** Build args the builder offers; only those the Dockerfile declares with `ARG` are sent. */
export const BUILD_ARG_NAMES = { source: 'VCS_URL', revision: 'VCS_REF', created: 'BUILD_DATE', version: 'VERSION' } as const;

/** Inputs of {@link buildMetadata}; every one explicit (no environment read here). */
export interface MetadataInputs {
  /** Image name (the title label). */
  readonly image: string;
  readonly rollingTag: string;
  /** The Dockerfile's text. */
  readonly dockerfileText: string;
  /** What git says about the context. */
  readonly source: SourceInfo;
  /** `SOURCE_DATE_EPOCH` (seconds), for reproducible builds; default the commit time. */
  readonly sourceDateEpoch?: string;
  /** `--build-arg` values; win over the computed ones. */
  readonly buildArgs?: Readonly<Record<string, string>>;
  /** Extra labels; win over the computed ones. */
  readonly labels?: Readonly<Record<string, string>>;
}

/** OCI labels and the build args the Dockerfile declares. Deterministic for the same source. */
export function buildMetadata(inputs: MetadataInputs): { buildArgs: Record<string, string>; labels: Record<string, string> } {
  const git = inputs.source;
  const created = inputs.sourceDateEpoch
    ? new Date(Number(inputs.sourceDateEpoch) * 1000).toISOString()
    : git.committedAt;
  const version = git.revision ? `${inputs.rollingTag}+${git.revision.slice(0, 12)}` : inputs.rollingTag;
  const values: Record<keyof typeof BUILD_ARG_NAMES, string | undefined> = {
    source: git.url, revision: git.revision, created, version,
  };
  const labels: Record<string, string> = { [LABELS.title]: inputs.image };
  const buildArgs: Record<string, string> = {};
  const declared = declaredBuildArgs(inputs.dockerfileText);
  for (const key of Object.keys(BUILD_ARG_NAMES) as (keyof typeof BUILD_ARG_NAMES)[]) {
    const value = values[key];
    if (value === undefined) continue;
    labels[LABELS[key]] = value;
    if (declared.has(BUILD_ARG_NAMES[key])) buildArgs[BUILD_ARG_NAMES[key]] = value;
  }
  return { buildArgs: { ...buildArgs, ...inputs.buildArgs }, labels: { ...labels, ...inputs.labels } };
}

/** Label keys a Dockerfile's LABEL instructions set (quoted or not, several per line, with continuations). */
export function labelsSetIn(dockerfile: string): Set<string> {
  const keys = new Set<string>();
  const joined = dockerfile.replace(/\\\r?\n/g, ' ');
  for (const line of joined.split(/\r?\n/)) {
    const instruction = /^\s*LABEL\s+(.*)$/i.exec(line);
    if (!instruction) continue;
    for (const pair of instruction[1].matchAll(/(?:"([^"]+)"|([^\s="]+))=(?:"(?:[^"\\]|\\.)*"|\S*)/g)) keys.add(pair[1] ?? pair[2]);
  }
  return keys;
}

/** Names declared with `ARG` (sending others makes the engine warn about unconsumed build args). */
export function declaredBuildArgs(dockerfile: string): Set<string> {
  const names = new Set<string>();
  for (const match of dockerfile.matchAll(/^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)/gim)) names.add(match[1]);
  return names;
}

/** `record` without `keys`. */
export function withoutKeys(record: Readonly<Record<string, string>>, keys: ReadonlySet<string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).filter(([k]) => !keys.has(k)));
}
