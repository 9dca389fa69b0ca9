import { Command } from 'commander';
import { EXIT, runCli, UserError, usageError } from '../src';
import { captureIo } from './support';

function program(action: (ctx: { setExitCode(code: number): void }) => unknown) {
  return (ctx: { setExitCode(code: number): void }) => {
    const p = new Command('tool').description('a tool');
    p.command('go')
      .option('--json', 'JSON')
      .option('--verbose', 'stacks')
      .option('--count <n>', 'a number')
      .action(async () => {
        await action(ctx);
      });
    return p;
  };
}

describe('runCli', () => {
  it('exits 0 for --help, on the program and on a command, and prints help on stdout', async () => {
    for (const argv of [['--help'], ['go', '--help'], ['help']]) {
      const io = captureIo();
      expect(await runCli(argv, io, program(() => undefined))).toBe(EXIT.ok);
      expect(io.stdout.text).toContain('Usage: tool');
      expect(io.stderr.text).toBe('');
    }
  });

  it('prints commander usage errors as one line of the kit shape and exits 2', async () => {
    const io = captureIo();
    expect(await runCli(['go', '--cuont', '3'], io, program(() => undefined))).toBe(EXIT.usage);
    expect(io.stderr.text).toBe("error: unknown option '--cuont' (command line): did you mean --count? see `tool go --help`\n");
    const unknown = captureIo();
    expect(await runCli(['frob'], unknown, program(() => undefined))).toBe(EXIT.usage);
    expect(unknown.stderr.text).toMatch(/^error: unknown command 'frob' \(command line\): see `tool --help`\n$/);
  });

  it('exits 2 (usage) when no command is given', async () => {
    const io = captureIo();
    expect(await runCli([], io, program(() => undefined))).toBe(EXIT.usage);
    expect(io.stderr.text).toContain('Usage: tool');
  });

  it('prints a UserError as error: what (where): fix with its exit code, detail lines after', async () => {
    const io = captureIo();
    const code = await runCli(['go'], io, program(() => {
      throw new UserError('build failed', 'docker/x/Dockerfile', 'fix the RUN step', { detail: ['  | step 3'] });
    }));
    expect(code).toBe(EXIT.failure);
    expect(io.stderr.text).toBe('error: build failed (docker/x/Dockerfile): fix the RUN step\n  | step 3\n');
    expect(io.stdout.text).toBe('');
  });

  it('uses the exit code the action sets', async () => {
    const io = captureIo();
    expect(await runCli(['go'], io, program((ctx) => ctx.setExitCode(EXIT.changes)))).toBe(3);
  });

  it('adds the stack only with --verbose', async () => {
    const fail = program(() => {
      throw usageError('bad value', '--count', 'pass a number');
    });
    const quiet = captureIo();
    expect(await runCli(['go'], quiet, fail)).toBe(EXIT.usage);
    expect(quiet.stderr.text).not.toContain('    at ');
    const loud = captureIo();
    await runCli(['go', '--verbose'], loud, fail);
    expect(loud.stderr.text).toMatch(/^error: bad value \(--count\): pass a number\nUserError: bad value[\s\S]*    at /);
  });

  it('reports an unexpected error in one line, exit 1', async () => {
    const io = captureIo();
    expect(await runCli(['go'], io, program(() => {
      throw Object.assign(new Error('boom'), { name: 'SocketError' });
    }))).toBe(EXIT.failure);
    expect(io.stderr.text).toBe('error: unexpected failure (SocketError: boom): run again with --verbose and report it\n');
  });

  it('with --json also writes the problems as JSON on stdout', async () => {
    const io = captureIo();
    await runCli(['go', '--json'], io, program(() => {
      throw new UserError('no outputs', 'out.json', 'run apply first');
    }));
    expect(JSON.parse(io.stdout.text)).toEqual({ ok: false, exitCode: 1, errors: [{ what: 'no outputs', where: 'out.json', fix: 'run apply first' }] });
  });

  it('turns a missing-credentials error of the AWS SDK into one line', async () => {
    const io = captureIo();
    const err = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    expect(await runCli(['go'], io, program(() => {
      throw err;
    }))).toBe(EXIT.failure);
    expect(io.stderr.text.trim().split('\n')).toHaveLength(1);
    expect(io.stderr.text).toMatch(/^error: no AWS credentials \(AWS SDK credential chain\): set AWS_PROFILE/);
  });

  it('redacts credentials in URLs from error lines and from --json', async () => {
    const io = captureIo();
    await runCli(['go', '--json'], io, program(() => {
      throw new UserError('unreachable', 'https://admin:s3cret@prefect.example.com/api', 'check PREFECT_API_URL');
    }));
    expect(io.stderr.text).toBe('error: unreachable (https://***@prefect.example.com/api): check PREFECT_API_URL\n');
    expect(io.stdout.text).not.toContain('s3cret');
    expect(JSON.parse(io.stdout.text).errors[0].where).toBe('https://***@prefect.example.com/api');
  });

  it('redacts credentials in URLs from what commands write themselves: results, progress, JSON', async () => {
    const io = captureIo({}, true);
    const code = await runCli(['go'], io, (ctx) => {
      const p = new Command('tool');
      p.command('go').action(() => {
        ctx.io.stdout.write(`${JSON.stringify({ url: 'https://admin:s3cret@prefect.example.com/api' })}\n`);
        ctx.io.stderr.write('checking https://admin:s3cret@registry.example.com:5000/v2/…\n');
      });
      return p;
    });
    expect(code).toBe(0);
    expect(JSON.parse(io.stdout.text)).toEqual({ url: 'https://***@prefect.example.com/api' });
    expect(io.stderr.text).toBe('checking https://***@registry.example.com:5000/v2/…\n');
    expect(`${io.stdout.text}${io.stderr.text}`).not.toContain('s3cret');
  });

  it('keeps the streams\' TTY-ness and the io\'s other fields when redacting', async () => {
    const signal = new AbortController().signal;
    const io = { ...captureIo({}, true), signal };
    let seen: { tty?: boolean; signal?: AbortSignal } = {};
    await runCli(['go'], io, (ctx) => {
      const p = new Command('tool');
      p.command('go').action(() => {
        seen = { tty: ctx.io.stdout.isTTY, signal: ctx.io.signal };
      });
      return p;
    });
    expect(seen).toEqual({ tty: true, signal });
  });

  it('drops the literal -- that `pnpm start --` passes', async () => {
    const io = captureIo();
    expect(await runCli(['--', 'go'], io, program((ctx) => ctx.setExitCode(0)))).toBe(0);
  });

  it('keeps the AWS SDK Node-version warning away', async () => {
    delete process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
    await runCli(['go'], captureIo(), program(() => undefined));
    expect(process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).toBe('true');
  });
});
