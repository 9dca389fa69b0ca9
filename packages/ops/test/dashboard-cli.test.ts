import { main } from '../src';
import { captureIo } from './cli-io';

function capture(environ: NodeJS.ProcessEnv = {}) {
  const io = captureIo(environ);
  return { io, out: io.stdout, err: io.stderr };
}

describe('platform-ops dashboard on the command line', () => {
  it('--help exits 0 and says what it serves', async () => {
    const { io, out } = capture();
    expect(await main(['dashboard', '--help'], io)).toBe(0);
    expect(out.text).toContain('read-only page of the environment');
    expect(out.text).toContain('--open');
  });

  it('a bad --port is a usage error naming the flag', async () => {
    const { io, err } = capture();
    expect(await main(['dashboard', '--env', 'dev', '--port', '80a'], io)).toBe(2);
    expect(err.text).toContain('--port');
    expect(err.text).toContain('"80a" is not a port number');
  });

  it('without a Prefect URL it says which flag or output to give, and serves nothing', async () => {
    const { io, err, out } = capture({ PREFECT_API_AUTH_STRING: 'u:p', AWS_REGION: 'eu-west-1' });
    expect(await main(['dashboard', '--env', 'staging', '--port', '0'], io)).toBe(2);
    expect(err.text).toContain('no Prefect API URL');
    expect(err.text).toContain('--prefect-url');
    expect(out.text).not.toContain('http://');
  });

  it('with a private endpoint (dev) it asks for the tunnel: connect, then --prefect-url', async () => {
    const { io, err, out } = capture({ PREFECT_API_AUTH_STRING: 'u:p', AWS_REGION: 'eu-west-1' });
    expect(await main(['dashboard', '--env', 'dev', '--port', '0'], io)).toBe(2);
    expect(err.text).toContain('dev has a private endpoint: its Prefect URL answers inside the VPC only');
    expect(err.text).toContain('run `platform-ops connect --env dev` in another terminal, then pass --prefect-url http://localhost:4200');
    expect(out.text).toBe('');
  });
});
