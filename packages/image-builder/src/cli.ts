import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CliContext, CliIo, processIo, runCli, usageError, UserError } from '@blog-data/cli-kit';
import type { PlatformConfig } from '@blog-data/config';
import { Command, Option } from 'commander';
import { EcrAuth } from './ecr-auth';
import { engineClient } from './engine';
import type { EngineClient } from './engine-api';
import type { RepositoryLocation } from './infra-outputs';
import { SILENT, terminalReporter } from './progress';
import type { PublishOptions, PublishResult } from './publish';
import { ContextReading, readContext } from './publish-inputs';
import type { StaticRegistryAuth } from './registry-session';
import { secretBuildArgWarnings } from './secret-build-args';
import { assertTag, shortDigest } from './tags';

export type { CliIo } from '@blog-data/cli-kit';
export { trustDeferredExtraCaCertificates } from './extra-ca-certs';

/** Flags of `image-builder publish`, as commander parses them. */
export interface PublishFlags {
  env?: string;
  image: string;
  context?: string;
  dockerfile?: string;
  tag: string[];
  rollingTag?: string;
  buildArg: string[];
  push: boolean;
  dryRun?: boolean;
  json?: boolean;
  output?: string;
  registry?: string;
  infraOutputs?: string;
  force?: boolean;
  pull?: boolean;
  cache: boolean;
  verbose?: boolean;
  /** Whether --image was on the command line (not the default). */
  imageGiven?: boolean;
}

/**
 * Default image: the Prefect server/worker base. It alone uses config
 * `image.tag` as its rolling tag; every other image under docker/ shares the
 * repository under its own name as rolling tag (infra runs the deployer task
 * from `<repository>:flows-deployer`).
 */
export const DEFAULT_IMAGE = 'prefect-base';

/** Entry point of `image-builder`; resolves to the exit code (0 ok, 1 failure, 2 usage). */
export function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  return runCli(argv, io, buildProgram);
}

/** The commander program; cli-kit's `runCli` prints its errors and redacts URL credentials. */
function buildProgram({ io }: CliContext): Command {
  const program = new Command('image-builder')
    .description('Builds a linux/amd64 image from docker/<image>, pushes it to ECR and verifies it');

  program.command('publish')
    .description('build, push and verify one image (a no-op when the registry already has it)')
    .addOption(new Option('--env <env>', 'environment whose config to use (default: PLATFORM_ENV, then dev)'))
    .option('--image <name>', 'directory under docker/ to build', DEFAULT_IMAGE)
    .option('--context <dir>', 'build this directory instead of docker/<image>')
    .option('--dockerfile <file>', 'Dockerfile, relative to the context', 'Dockerfile')
    .option('--tag <tag>', 'an extra tag (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--rolling-tag <tag>', 'the tag that moves to each new build (default: config image.tag for prefect-base, else the image name)')
    .option('--build-arg <name=value>', 'a build arg (repeatable), e.g. BASE_IMAGE=…', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--no-push', 'build and check the platform only; do not contact the registry')
    .option('--dry-run', 'look at the registry and say what a publish would do; build and push nothing')
    .option('--json', 'print the result as JSON on stdout, no progress')
    .option('--output <file>', 'also write the result JSON to this file (for infra and the deployer to pin the digest)')
    .option('--registry <host>', 'push to and verify against this registry (host[:port], optional http(s)://); env IMAGE_REGISTRY')
    .option('--infra-outputs <file>', 'terraform outputs JSON; its ecr_repository_url names registry and repository')
    .option('--force', 'build and push even when the registry already has this content tag')
    .option('--pull', 'pull a newer base image before building')
    .option('--no-cache', 'build without the layer cache')
    .option('--verbose', 'show the full build output, and stacks on errors')
    .action(async (flags: PublishFlags, command: Command) => {
      flags.imageGiven = command.getOptionValueSource('image') === 'cli';
      if (flags.dryRun && !flags.push) throw usage('--dry-run and --no-push do not go together', 'pick one');
      // The context's files and git are read while the publish path loads (its modules are most
      // of a no-op publish's CPU): the process starts on its I/O first.
      const located = locateContext(flags, io);
      const reading = readContext({ contextDir: located.contextDir, dockerfile: flags.dockerfile, hashCacheFile: located.cacheFiles.hashes });
      reading.read.catch(() => undefined);
      const options = resolvePublishOptions(flags, io, { ...located, reading });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { publishImage } = require('./publish') as typeof import('./publish');
      const result = await publishImage(options);
      writeResult(result, flags, io);
    });
  return program;
}

/**
 * Turns flags, environment and config into {@link PublishOptions}. Config is loaded only when
 * the publish asks for its target (registry, repository, login): zod and the
 * schema keep the only thread busy for ~0.2 s, which the engine then spends building. Only the
 * default image's rolling tag (config `image.tag`) needs config before a build. Exported for tests.
 */
export function resolvePublishOptions(
  flags: PublishFlags, io: CliIo, context: LocatedContext & { readonly reading?: ContextReading } = locateContext(flags, io),
): PublishOptions {
  const { contextDir, cacheFiles, reading } = context;
  flags.tag.forEach((t) => assertTag(t, '--tag'));
  if (flags.rollingTag) assertTag(flags.rollingTag, '--rolling-tag');
  // Credentials in the registry URL are taken out of the address at once: the address appears in
  // image references, progress and results, where no scheme marks it as a URL to redact.
  const given = splitRegistryCredentials(flags.registry ?? emptyToUndefined(io.env.IMAGE_REGISTRY));
  const staticAuth = staticRegistryAuth(io.env) ?? given.auth;
  // Read at once when given (through config's schema, so not cheaply): a bad file is a usage error before anything starts.
  const location: RepositoryLocation | undefined = flags.infraOutputs
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ? (require('./infra-outputs') as typeof import('./infra-outputs')).readInfraOutputs(path.resolve(io.cwd, flags.infraOutputs))
    : undefined;
  const registry = given.registry ?? location?.registryHost;
  if (staticAuth && !registry) {
    throw usage('IMAGE_REGISTRY_USERNAME/PASSWORD are set but no registry is', 'set --registry or IMAGE_REGISTRY too');
  }
  const image = imageName(flags, contextDir);
  let config: PlatformConfig | undefined;
  const loadedConfig = () => (config ??= configModule().loadConfig({ env: flags.env, environ: io.env }));
  let engine: EngineClient | undefined;
  const reporter = flags.json ? SILENT : terminalReporter({ out: io.stderr, env: io.env, verbose: flags.verbose });
  const buildArgs = parseBuildArgs(flags.buildArg);
  // On stderr even with --json: a secret in the image history is worth interrupting for.
  for (const warning of secretBuildArgWarnings(buildArgs)) io.stderr.write(`warning: ${warning}\n`);
  return {
    image,
    contextDir,
    dockerfile: flags.dockerfile,
    target: () => {
      const c = loadedConfig();
      return {
        registry,
        repository: location?.repository ?? c.image.repository,
        fallbackRegistryHost: location?.registryHost ?? configModule().ecrRegistryHost(c),
        ecr: flags.push && !staticAuth
          ? new EcrAuth({ accountId: c.aws.accountId, region: c.aws.region, tokenCacheFile: ecrTokenCacheFile(io.env), env: io.env })
          : undefined,
      };
    },
    rollingTag: flags.rollingTag ?? (image === DEFAULT_IMAGE ? loadedConfig().image.tag : image),
    extraTags: flags.tag,
    buildArgs,
    staticAuth,
    // Created when a build needs it: a no-op publish does not load the engine client at all.
    get docker() {
      engine ??= engineClient(io.env);
      return engine;
    },
    push: flags.push,
    dryRun: flags.dryRun,
    force: flags.force,
    pull: flags.pull,
    noCache: !flags.cache,
    reporter,
    sourceDateEpoch: emptyToUndefined(io.env.SOURCE_DATE_EPOCH),
    cwd: io.cwd,
    hashCacheFile: cacheFiles.hashes,
    publishedTagsFile: cacheFiles.published,
    contextReading: reading,
  };
}

/** Loaded when first used, not with the CLI: zod and the schema take a while (see above). */
function configModule(): typeof import('@blog-data/config') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@blog-data/config') as typeof import('@blog-data/config');
}

/** The build context's directory and the files this tool remembers about it. */
interface LocatedContext {
  readonly contextDir: string;
  /** See {@link contextCacheFiles}. */
  readonly cacheFiles: { readonly hashes?: string; readonly published?: string };
}

/** Where the context is: worked out once, before anything reads it. */
function locateContext(flags: PublishFlags, io: CliIo): LocatedContext {
  const contextDir = resolveContextDir(flags, io);
  return { contextDir, cacheFiles: contextCacheFiles(io.env, contextDir, flags.dockerfile) };
}

/** `--context`, else `docker/<--image>` under the repository root; the image name is checked first. */
function resolveContextDir(flags: PublishFlags, io: CliIo): string {
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(flags.image)) {
    throw usage(`invalid --image "${flags.image}"`, 'name a directory under docker/ (lowercase letters, digits, . _ -)');
  }
  return flags.context ? path.resolve(io.cwd, flags.context) : path.join(findRepoRoot(io.cwd), 'docker', flags.image);
}

function writeResult(result: PublishResult, flags: PublishFlags, io: CliIo): void {
  const json = `${JSON.stringify(result, null, 2)}\n`;
  if (flags.output) {
    const file = path.resolve(io.cwd, flags.output);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, json);
  }
  if (flags.json) {
    io.stdout.write(json);
    return;
  }
  const headline: Record<PublishResult['status'], string> = {
    pushed: 'pushed',
    retagged: 'retagged (no upload)',
    noop: 'no-op: registry already up to date',
    built: 'built (not pushed)',
    planned: 'dry run',
  };
  const lines = [
    `${headline[result.status]}: ${result.reference ?? `${result.repository}:${result.contentTag}`}`,
    `  tags     ${result.tags.join(', ')}`,
  ];
  if (result.imageId) lines.push(`  image id ${shortDigest(result.imageId)} (${result.platform})`);
  // --dry-run prints its plan: what a publish would do, and why.
  if (flags.dryRun) for (const note of result.notes) lines.push(`  plan     ${note}`);
  lines.push(`  time     ${(result.durations.total / 1000).toFixed(1)} s`);
  io.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * The image's name for labels and output: --image when given; with --context,
 * the Dockerfile's directory (`docker/flows-deployer/Dockerfile` → flows-deployer)
 * or else the context directory's name.
 */
function imageName(flags: PublishFlags, contextDir: string): string {
  if (!flags.context || flags.imageGiven) return flags.image;
  const dockerfileDir = path.posix.dirname((flags.dockerfile ?? 'Dockerfile').split(path.sep).join('/'));
  return path.basename(dockerfileDir === '.' ? contextDir : dockerfileDir);
}

/** `NAME=value` pairs → record; a usage error names the bad one. */
export function parseBuildArgs(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const name = eq > 0 ? pair.slice(0, eq) : '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw usage(`invalid --build-arg "${pair}"`, 'write NAME=value');
    out[name] = pair.slice(eq + 1);
  }
  return out;
}

/** The repository root: the nearest directory up from `start` with pnpm-workspace.yaml; else `start`. */
export function findRepoRoot(start: string): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(start);
  }
}

/** image-builder's cache directory: under `$XDG_CACHE_HOME` or `~/.cache`; none without a home directory. */
function cacheDir(env: NodeJS.ProcessEnv): string | undefined {
  const base = emptyToUndefined(env.XDG_CACHE_HOME) ?? (emptyToUndefined(env.HOME) && path.join(env.HOME as string, '.cache'));
  return base && path.join(base, 'blog-data-image-builder');
}

/**
 * What image-builder remembers between publishes of one context and Dockerfile: the files'
 * hashes by stat (as git's index does), and the content tags published from it.
 */
function contextCacheFiles(env: NodeJS.ProcessEnv, contextDir: string, dockerfile: string | undefined): { hashes?: string; published?: string } {
  const dir = cacheDir(env);
  if (!dir) return {};
  const key = createHash('sha256').update(`${contextDir}\0${dockerfile ?? 'Dockerfile'}`).digest('hex').slice(0, 24);
  return { hashes: path.join(dir, `context-${key}.json`), published: path.join(dir, `published-${key}.json`) };
}

/**
 * Where ECR tokens are remembered (see `EcrTokenCache`). `AWS_ECR_DISABLE_CACHE`, the variable
 * amazon-ecr-credential-helper honours for its own token cache, turns it off.
 */
function ecrTokenCacheFile(env: NodeJS.ProcessEnv): string | undefined {
  const dir = cacheDir(env);
  return dir && !emptyToUndefined(env.AWS_ECR_DISABLE_CACHE) ? path.join(dir, 'ecr-tokens.json') : undefined;
}

/**
 * `http://user:pass@host:5000` → the address without the credentials, and the credentials
 * (IMAGE_REGISTRY_USERNAME/PASSWORD take precedence over them).
 */
export function splitRegistryCredentials(address: string | undefined): { registry?: string; auth?: StaticRegistryAuth } {
  const match = address ? /^([a-z][a-z0-9+.-]*:\/\/)?([^@/\s]*)@([^@]+)$/i.exec(address) : null;
  if (!match) return { registry: address };
  const colon = match[2].indexOf(':');
  const username = decodeURIComponent(colon === -1 ? match[2] : match[2].slice(0, colon));
  const password = colon === -1 ? '' : decodeURIComponent(match[2].slice(colon + 1));
  return { registry: `${match[1] ?? ''}${match[3]}`, auth: username && password ? { username, password } : undefined };
}

/** Credentials for a registry that is not ECR, from IMAGE_REGISTRY_USERNAME and IMAGE_REGISTRY_PASSWORD. */
function staticRegistryAuth(env: NodeJS.ProcessEnv): StaticRegistryAuth | undefined {
  const username = emptyToUndefined(env.IMAGE_REGISTRY_USERNAME);
  const password = emptyToUndefined(env.IMAGE_REGISTRY_PASSWORD);
  if (!username && !password) return undefined;
  if (!username || !password) throw usage('only one of IMAGE_REGISTRY_USERNAME / IMAGE_REGISTRY_PASSWORD is set', 'set both, or neither to log in through ECR');
  return { username, password };
}

function usage(what: string, fix: string): UserError {
  return usageError(what, 'command line', fix);
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value && value.trim() ? value.trim() : undefined;
}
