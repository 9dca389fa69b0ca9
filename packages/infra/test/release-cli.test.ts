import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureIo } from '@blog-data/cli-kit';
import { EXAMPLE_PLATFORM_OUTPUTS } from '@blog-data/test-support';
import { main } from '../src/release-cli';

function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const io = captureIo(env);
  return main(argv, io).then((code) => ({ code, stdout: io.stdout.text, stderr: io.stderr.text }));
}

function outputsFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'release-cli-')), 'outputs.json');
  writeFileSync(file, JSON.stringify(EXAMPLE_PLATFORM_OUTPUTS));
  return file;
}

/** The example outputs less one, as a stack applied before that output existed writes them. */
function outputsFileWithout(name: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'release-cli-')), 'outputs.json');
  writeFileSync(file, JSON.stringify({ ...EXAMPLE_PLATFORM_OUTPUTS, [name]: undefined }));
  return file;
}

describe('platform-release on the command line', () => {
  it('--help exits 0 on the program and on each command', async () => {
    for (const args of [['--help'], ['roll', '--help'], ['rollback', '--help']]) {
      const result = await run(args);
      expect([args.join(' '), result.code]).toEqual([args.join(' '), 0]);
      expect(result.stdout).toContain('Usage: platform-release');
    }
  });

  it.each<[string, string[], string]>([
    ['no command', [], 'Usage: platform-release'],
    ['an unknown command', ['deploy'], "error: unknown command 'deploy' (command line)"],
    ['no --outputs-file', ['roll'], "error: required option '--outputs-file <file>' not specified (command line)"],
    ['rollback without --to-task-definition', ['rollback', '--outputs-file', 'x.json'], 'error: rollback needs --to-task-definition (command line)'],
    ['a missing outputs file', ['roll', '--outputs-file', 'absent.json'], 'error: infra outputs file not found (absent.json)'],
    ['an outputs file without the migration task', ['roll', '--outputs-file', outputsFileWithout('migration_task_definition_arn')],
      'error: migration_task_definition_arn: missing ('],
  ])('%s is a usage error, exit 2', async (_what, argv, message) => {
    const result = await run(argv);
    expect(result.code).toBe(2);
    expect(result.stdout + result.stderr).toContain(message);
  });
});

describe('platform-release rollback in the scale-out mode', () => {
  it('refuses to roll back the API servers alone: the background services run the same release (exit 2, before any AWS call)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'release-cli-')), 'outputs.json');
    writeFileSync(file, JSON.stringify({ ...EXAMPLE_PLATFORM_OUTPUTS, services_service_name: 'prefect-services', services_task_definition_arn: 'arn:aws:ecs:eu-west-2:111111111111:task-definition/blog-data-dev-services:7' }));
    // Planned before any AWS call: one would fail (no credentials, no endpoint) with exit 1, not 2.
    const result = await run(['rollback', '--env', 'dev', '--outputs-file', file, '--to-task-definition', 'blog-data-dev-server:6']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('error: --to-services-task-definition: required in the scale-out mode: prefect-services runs the release\'s code too '
      + '(pass the background-services task definition of the release to return to) (command line): see `platform-release rollback --help`\n');
  });
});

describe('platform-release and credentials in URLs', () => {
  let ecs: Server;
  let saved: Record<string, string | undefined>;
  const SECRET = 's3cret-pw';

  beforeAll(async () => {
    // An ECS endpoint (awsJson1_1) that refuses RunTask with a pull failure naming a registry URL
    // with credentials, as ECS repeats the image reference a task definition holds.
    ecs = createServer((req: IncomingMessage, res) => {
      req.resume();
      req.on('end', () => {
        const target = String(req.headers['x-amz-target'] ?? '');
        res.setHeader('content-type', 'application/x-amz-json-1.1');
        if (target.endsWith('.RunTask')) {
          res.end(JSON.stringify({ tasks: [], failures: [{ reason: 'CannotPullContainerError', detail: `pull https://ci:${SECRET}@registry.example.com/blog-data@sha256:0: unauthorized` }] }));
        } else {
          res.statusCode = 400;
          res.end(JSON.stringify({ __type: 'InvalidParameterException', message: `unexpected ${target}` }));
        }
      });
    });
    await new Promise<void>((resolve) => ecs.listen(0, '127.0.0.1', resolve));
    // The AWS SDK reads its endpoint and credentials from process.env, not from the CLI's io.
    saved = Object.fromEntries(['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'].map((k) => [k, process.env[k]]));
    process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${(ecs.address() as AddressInfo).port}`;
    process.env.AWS_ACCESS_KEY_ID = 'AKIATEST';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
  });

  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await new Promise<void>((resolve) => ecs.close(() => resolve()));
  });

  it('never prints the password of a URL an AWS answer repeats, in errors, progress or --json', async () => {
    const file = outputsFile();
    for (const json of [[], ['--json']]) {
      const result = await run(['roll', '--env', 'dev', '--outputs-file', file, ...json]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('https://***@registry.example.com/blog-data');
      expect(result.stdout + result.stderr).not.toContain(SECRET);
      if (json.length) expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, exitCode: 1 });
    }
  });
});
