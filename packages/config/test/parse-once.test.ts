import { imageResultSchema, loadConfig, parseContract } from '../src';

/*
 * Config and the contract files are parsed once per process. zod compiles a fast path for an
 * object schema on its first parse (`new Function`), which costs a CLI more than the one parse
 * it speeds up; these parses must take zod's plain path.
 */
describe('one-shot parses compile no code', () => {
  let compiled: jest.SpyInstance;
  // Spied after the import: zod probes whether eval is allowed while the schemas are built.
  beforeEach(() => (compiled = jest.spyOn(globalThis, 'Function')));
  afterEach(() => compiled.mockRestore());

  it('loading an environment compiles nothing', () => {
    const config = loadConfig({ env: 'staging', environ: { PLATFORM_AWS__REGION: 'eu-west-1' } });
    expect(config.aws.region).toBe('eu-west-1');
    expect(compiled).not.toHaveBeenCalled();
  });

  it('reading an image result compiles nothing', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const result = parseContract(imageResultSchema.pick({ digest: true }), { digest }, 'image.json', 'image');
    expect(result.digest).toBe(digest);
    expect(compiled).not.toHaveBeenCalled();
  });
});
