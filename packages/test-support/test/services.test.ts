import { checkServices, inCi, requireService, uniqueName } from '../src';

describe('checkServices', () => {
  it('is ready with the values when every variable is set', () => {
    expect(checkServices(['A', 'B'], 'hint', { A: '1', B: '2' })).toEqual({ status: 'ready', values: { A: '1', B: '2' } });
  });

  it('fails under CI=true, naming what is missing and how to start it', () => {
    expect(checkServices(['A', 'B'], 'start them', { CI: 'true', A: '1' })).toEqual({
      status: 'fail',
      message: 'missing B: start them (required under CI=true)',
    });
  });

  it('skips outside CI', () => {
    expect(checkServices(['A'], 'start it', {})).toEqual({ status: 'skip', message: 'missing A: start it' });
  });

  it('treats CI=1 as CI too', () => {
    expect(inCi({ CI: '1' })).toBe(true);
    expect(inCi({ CI: 'false' })).toBe(false);
  });
});

describe('requireService', () => {
  const saved = process.env.CI;
  afterEach(() => {
    if (saved === undefined) delete process.env.CI;
    else process.env.CI = saved;
  });

  it('returns the value when there is one', () => {
    expect(requireService('terraform', 'install it', 'on PATH')).toBe('on PATH');
  });

  it('throws under CI=true when the service is missing', () => {
    process.env.CI = 'true';
    expect(() => requireService('NO_SUCH_SERVICE_VARIABLE', 'start it')).toThrow(
      'missing NO_SUCH_SERVICE_VARIABLE: start it (required under CI=true)',
    );
  });

  it('returns undefined (skip) outside CI', () => {
    delete process.env.CI;
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(requireService('NO_SUCH_SERVICE_VARIABLE', 'start it')).toBeUndefined();
    expect(warn).toHaveBeenCalledWith('skipping: missing NO_SUCH_SERVICE_VARIABLE: start it');
    warn.mockRestore();
  });
});

it('uniqueName gives a different name each call', () => {
  const a = uniqueName('x');
  expect(a).toMatch(/^x-[a-z0-9]+-[a-z0-9]+$/);
  expect(uniqueName('x')).not.toBe(a);
});
