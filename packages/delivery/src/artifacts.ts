import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '@blog-data/cli-kit';
import { flattenTerraformOutputs, imageResultSchema, PARSE_ONCE, platformOutputsSchema } from '@blog-data/config';
import { z } from 'zod';

/** Where one deploy run's steps leave what the next step reads (gitignored). */
export const ARTIFACTS_DIR = '.deploy';

/** The artifact files, relative to the workspace root. */
export const ARTIFACT_FILES = {
  infraOutputs: join(ARTIFACTS_DIR, 'infra-outputs.json'),
  image: join(ARTIFACTS_DIR, 'image.json'),
  deployerImage: join(ARTIFACTS_DIR, 'deployer-image.json'),
} as const;

/** The platform outputs every later step reads: all of them (config's contract), ids and ARNs (never secrets). */
export const infraOutputsSchema = platformOutputsSchema;
export type InfraOutputs = z.infer<typeof infraOutputsSchema>;

/** A pushed image as this package needs it: image-builder's publish result (config's contract, digest included). */
export const pushedImageSchema = imageResultSchema.pick({ image: true, repository: true, digest: true });

/** Reads and validates one artifact; a missing or malformed file names the file and the field. */
export function readArtifact<T>(
  root: string,
  file: string,
  schema: z.ZodType<T>,
  missingFix: string,
  transform: (raw: unknown) => unknown = (x) => x,
): T {
  const path = join(root, file);
  if (!existsSync(path)) throw new UserError(`${file} does not exist`, file, missingFix);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UserError(`${file} is not JSON (${(e as Error).message})`, file, 'delete it and run the step that writes it again');
  }
  const parsed = schema.safeParse(transform(raw), PARSE_ONCE);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(`${file}: ${issue.path.join('.') || '(root)'} ${issue.message}`, file, 'delete it and run the step that writes it again');
  }
  return parsed.data;
}

/** Reads the platform outputs artifact (terraform's `output -json` shape or a flat map). */
export function readInfraOutputs(root: string, env: string): InfraOutputs {
  return readArtifact(
    root,
    ARTIFACT_FILES.infraOutputs,
    infraOutputsSchema,
    `the platform stack has no outputs here yet: run \`pnpm nx run infra:deploy --configuration=${env}\` first ` +
      '(a first deploy of an environment: the CircleCI pipeline with deploy-all=true, README "Deploy to AWS for real")',
    flattenTerraformOutputs,
  );
}

/** Writes an artifact as pretty JSON, creating the folder. */
export function writeArtifact(root: string, file: string, value: unknown): void {
  const path = join(root, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}
