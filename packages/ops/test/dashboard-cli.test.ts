import { CliIo, main } from '../src';

function capture(environ: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: { write: (t: string) => out.push(t) }, err: { write: (t: string) => err.push(t) }, environ };
  return { io, out, err };
}

describe('platform-ops dashboard on the command line', () => {
  it('--help exits 0 and says what it serves', async () => {
    const { io, out } = capture();
    expect(await main(['dashboard', '--help'], io)).toBe(0);
    expect(out.join('')).toContain('read-only page of the environment');
    expect(out.join('')).toContain('--open');
  });

  it('a bad --port is a usage error naming the flag', async () => {
    const { io, err } = capture();
    expect(await main(['dashboard', '--env', 'dev', '--port', '80a'], io)).toBe(2);
    expect(err.join('')).toContain('--port');
    expect(err.join('')).toContain('"80a" is not a port number');
  });

  it('without a Prefect URL it says which flag or output to give, and serves nothing', async () => {
    const { io, err, out } = capture({ PREFECT_API_AUTH_STRING: 'u:p', AWS_REGION: 'eu-west-1' });
    expect(await main(['dashboard', '--env', 'dev', '--port', '0'], io)).toBe(2);
    expect(err.join('')).toContain('no Prefect API URL');
    expect(err.join('')).toContain('--prefect-url');
    expect(out.join('')).not.toContain('http://');
  });
});
