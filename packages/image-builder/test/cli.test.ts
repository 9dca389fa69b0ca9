import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { freeLoopbackPort } from '@blog-data/test-support';
import { CliIo, findRepoRoot, main, parseBuildArgs, resolvePublishOptions, splitRegistryCredentials } from '../src/cli';
import { describeEngine, engineClient, engineRequestError } from '../src/engine';
import { parseRepositoryUrl, readInfraOutputs } from '../src/infra-outputs';
import type { PublishOptions, PublishTarget } from '../src/publish';

/** The publish target, resolved as publish resolves it. */
function targetOf(options: PublishOptions): PublishTarget {
  return typeof options.target === 'function' ? options.target() : options.target;
}

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ib-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const io: CliIo = { stdout, stderr, env: { PLATFORM_AWS__ACCOUNT_ID: '123456789012', ...env }, cwd: dir };
  const code = await main(argv, io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('image-builder publish: option errors exit 2 with one line', () => {
  it.each<[string, string[], NodeJS.ProcessEnv, string]>([
    ['an unknown option', ['publish', '--bogus'], {}, "error: unknown option '--bogus'"],
    ['an invalid extra tag', ['publish', '--tag', 'bad tag'], {}, 'error: invalid tag "bad tag" (--tag): use letters'],
    ['--dry-run with --no-push', ['publish', '--dry-run', '--no-push'], {}, 'error: --dry-run and --no-push do not go together (command line)'],
    ['a build arg without =', ['publish', '--build-arg', 'BASE_IMAGE'], {}, 'error: invalid --build-arg "BASE_IMAGE" (command line): write NAME=value'],
    ['an unknown environment', ['publish', '--env', 'qa'], {}, 'error: unknown environment "qa" (--env): pass --env dev|staging|prod'],
    ['an image name with a path in it', ['publish', '--image', '../etc'], {}, 'error: invalid --image "../etc"'],
    ['half of the static registry credentials', ['publish', '--registry', '127.0.0.1:5000'], { IMAGE_REGISTRY_USERNAME: 'u' }, 'error: only one of IMAGE_REGISTRY_USERNAME / IMAGE_REGISTRY_PASSWORD is set'],
    ['a missing infra outputs file', ['publish', '--infra-outputs', 'nope.json'], {}, 'error: infra outputs file not found'],
  ])('%s', async (_what, argv, env, message) => {
    const result = await run(argv, env);
    expect(result.stderr).toContain(message);
    expect(result.code).toBe(2);
  });

  it('exits 2 on an unknown or missing command, 0 for --help', async () => {
    expect((await run(['deploy'])).code).toBe(2);
    expect((await run([])).code).toBe(2);
    const help = await run(['publish', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--infra-outputs <file>');
  });
});

describe('image-builder publish: failures before any build exit 1 with where and how to fix', () => {
  it('says the Dockerfile is missing, and where it looked', async () => {
    const result = await run(['publish', '--context', '.', '--no-push']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error: Dockerfile missing (${path.join(dir, 'Dockerfile')}): create it`);
  });

  it('names the socket when no Docker engine answers', async () => {
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
    const socket = path.join(dir, 'no-engine.sock');
    const result = await run(['publish', '--context', '.', '--no-push'], { DOCKER_HOST: `unix://${socket}` });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error: no Docker engine reachable (ENOENT) (DOCKER_HOST=unix://${socket}): start the Docker engine, or set DOCKER_HOST`);
  });
});

describe('credentials in URLs', () => {
  it('never prints the password of a registry URL, in errors, progress or --json', async () => {
    const port = await freeLoopbackPort();
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
    for (const json of [[], ['--json']]) {
      const result = await run(['publish', '--context', '.', '--dry-run', '--registry', `http://ci:s3cret-pw@127.0.0.1:${port}`, ...json], {
        IMAGE_REGISTRY_USERNAME: 'ci', IMAGE_REGISTRY_PASSWORD: 'other-secret',
      });
      expect(result.code).toBe(1);
      // The credentials were taken out of the address (and used to log in): the address is printed bare.
      expect(result.stderr).toContain(`cannot reach the registry (ECONNREFUSED) (http://127.0.0.1:${port}/v2/blog-data/manifests/`);
      expect(`${result.stdout}${result.stderr}`).not.toContain('s3cret-pw');
      expect(`${result.stdout}${result.stderr}`).not.toContain('other-secret');
      if (json.length) expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, exitCode: 1 });
    }
  });
});

describe('registry credentials in --registry', () => {
  it('takes them out of the address, as the login when no IMAGE_REGISTRY_USERNAME/PASSWORD is set', () => {
    expect(splitRegistryCredentials('https://ci:p%40ss@registry.example.com:5000')).toEqual({
      registry: 'https://registry.example.com:5000', auth: { username: 'ci', password: 'p@ss' },
    });
    expect(splitRegistryCredentials('ci:pw@127.0.0.1:5000')).toEqual({ registry: '127.0.0.1:5000', auth: { username: 'ci', password: 'pw' } });
    expect(splitRegistryCredentials('127.0.0.1:5000')).toEqual({ registry: '127.0.0.1:5000' });
    expect(splitRegistryCredentials(undefined)).toEqual({ registry: undefined });
  });
});

describe('secrets in build args', () => {
  it('warns on stderr, even with --json, naming the build arg but never its value', async () => {
    const result = await run(['publish', '--context', '.', '--no-push', '--json', '--build-arg', 'DB_PASSWORD=hunter2']);
    expect(result.stderr).toContain('warning: --build-arg DB_PASSWORD looks like a secret (its name says it is a secret)');
    expect(result.stderr).toContain('BuildKit secret');
    expect(`${result.stdout}${result.stderr}`).not.toContain('hunter2');
  });
});

describe('which image, which tags', () => {
  const env = { PLATFORM_AWS__ACCOUNT_ID: '123456789012' };
  const io = (): CliIo => ({ stdout: new Capture(), stderr: new Capture(), env, cwd: dir });
  const flags = (over: Record<string, unknown>) => ({ image: 'prefect-base', tag: [], buildArg: [], push: true, cache: true, dockerfile: 'Dockerfile', ...over });

  it('gives prefect-base the configured rolling tag and repository, in docker/prefect-base of the repository', () => {
    const options = resolvePublishOptions(flags({}), { ...io(), cwd: path.join(__dirname, '..') });
    expect(options).toMatchObject({ image: 'prefect-base', rollingTag: 'prefect-3-python3.12-ecs' });
    expect(targetOf(options)).toMatchObject({ repository: 'blog-data', fallbackRegistryHost: '123456789012.dkr.ecr.eu-west-2.amazonaws.com' });
    expect(options.contextDir).toBe(path.resolve(__dirname, '../../../docker/prefect-base'));
  });

  it('loads config when the target is asked for, unless the rolling tag needs it first', () => {
    const broken = (): CliIo => ({ ...io(), env: { PLATFORM_AWS__ACCOUNT_ID: 'not-an-account' } });
    // A rolling tag of its own: the build can start before config is read, and a bad config fails then.
    const options = resolvePublishOptions(flags({ context: '.', rollingTag: 'mine' }), broken());
    expect(options.rollingTag).toBe('mine');
    expect(() => targetOf(options)).toThrow(/aws\.accountId/);
    // prefect-base's rolling tag is config image.tag: config is read at once.
    expect(() => resolvePublishOptions(flags({}), { ...broken(), cwd: path.join(__dirname, '..') })).toThrow(/aws\.accountId/);
  });

  it('names another image after its Dockerfile directory and uses that name as its rolling tag', () => {
    const options = resolvePublishOptions(flags({ context: '.', dockerfile: 'docker/flows-deployer/Dockerfile' }), io());
    expect(options).toMatchObject({ image: 'flows-deployer', rollingTag: 'flows-deployer', contextDir: dir });
  });

  it('takes registry and repository from infra outputs, and --registry over both', () => {
    writeFileSync(path.join(dir, 'outputs.json'), JSON.stringify({ ecr_repository_url: { value: '222222222222.dkr.ecr.us-east-1.amazonaws.com/team/prefect', type: 'string' } }));
    expect(targetOf(resolvePublishOptions(flags({ infraOutputs: 'outputs.json' }), io()))).toMatchObject({
      repository: 'team/prefect', registry: '222222222222.dkr.ecr.us-east-1.amazonaws.com',
    });
    expect(targetOf(resolvePublishOptions(flags({ infraOutputs: 'outputs.json', registry: '127.0.0.1:5000' }), io())).registry).toBe('127.0.0.1:5000');
  });
});

describe('inputs', () => {
  it('reads ecr_repository_url from terraform output -json and from a flat map', () => {
    const url = '123456789012.dkr.ecr.eu-west-2.amazonaws.com/blog-data';
    const tf = path.join(dir, 'tf.json');
    writeFileSync(tf, JSON.stringify({ ecr_repository_url: { value: url, type: 'string', sensitive: false } }));
    const flat = path.join(dir, 'flat.json');
    writeFileSync(flat, JSON.stringify({ ecr_repository_url: url }));
    const expected = { registryHost: '123456789012.dkr.ecr.eu-west-2.amazonaws.com', repository: 'blog-data' };
    expect(readInfraOutputs(tf)).toEqual(expected);
    expect(readInfraOutputs(flat)).toEqual(expected);
  });

  it('refuses outputs without ecr_repository_url, and URLs that are not host/repository', () => {
    const file = path.join(dir, 'o.json');
    writeFileSync(file, JSON.stringify({ prefect_url: { value: 'http://x', type: 'string' } }));
    expect(() => readInfraOutputs(file)).toThrow(`ecr_repository_url: missing (${file})`);
    writeFileSync(file, JSON.stringify({ ecr_repository_url: 'https://host/repo:tag' }));
    expect(() => readInfraOutputs(file)).toThrow(`ecr_repository_url: must be <registry host>/<repository> (${file})`);
    expect(() => parseRepositoryUrl('just-a-host', 'o.json')).toThrow('"just-a-host" is not a repository URL');
    expect(parseRepositoryUrl('127.0.0.1:5000/team/app', 'x')).toEqual({ registryHost: '127.0.0.1:5000', repository: 'team/app' });
  });

  it('parses --build-arg pairs, values may contain =', () => {
    expect(parseBuildArgs(['A=1', 'B=x=y', 'C='])).toEqual({ A: '1', B: 'x=y', C: '' });
  });

  it('finds the repository root from a package directory', () => {
    expect(findRepoRoot(path.join(__dirname, '..'))).toBe(path.resolve(__dirname, '../../..'));
  });
});

describe('the Docker engine in messages', () => {
  it('names the default socket, not docker-modem\'s lookup function, when DOCKER_HOST is unset', () => {
    const saved = process.env.DOCKER_HOST;
    delete process.env.DOCKER_HOST;
    try {
      // What a user without DOCKER_HOST gets: docker-modem's socketPath is then a function.
      const described = describeEngine(engineClient({}));
      expect(described).toMatch(/^unix:\/\/\/\S+docker\.sock$/);
      expect(described).not.toMatch(/function|=>|Promise|\{/);
    } finally {
      if (saved !== undefined) process.env.DOCKER_HOST = saved;
    }
  });

  it('says which socket failed without DOCKER_HOST, in one line without code', () => {
    const saved = process.env.DOCKER_HOST;
    delete process.env.DOCKER_HOST;
    try {
      const docker = engineClient({});
      const error = engineRequestError(Object.assign(new Error('connect ENOENT'), { code: 'ENOENT' }), 'ping', describeEngine(docker));
      expect(error.message).toMatch(/^no Docker engine reachable \(ENOENT\) \(DOCKER_HOST=unix:\/\/\/\S+docker\.sock\): start the Docker engine, or set DOCKER_HOST/);
      expect(error.message).not.toMatch(/function|=>|\[object/);
    } finally {
      if (saved !== undefined) process.env.DOCKER_HOST = saved;
    }
  });
});
