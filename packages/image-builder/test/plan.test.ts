import { describePlan, PlanContext, planPublish, planUpload, PublishPlan, RegistryState, tagsToMove } from '../src/plan';
import type { VerifiedImage } from '../src/verify';

const CONTENT = 'src-aaaaaaaaaaaa';
const ROLLING = 'prefect-3-python3.12-ecs';
const image = (digest: string, configDigest = `sha256:config-of-${digest}`): VerifiedImage => ({
  digest,
  configDigest,
  mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
  os: 'linux',
  architecture: 'amd64',
  labels: {},
  manifest: { body: Buffer.from(`{"config":"${configDigest}"}`), mediaType: 'application/vnd.docker.distribution.manifest.v2+json', digest },
});
const NEW = image('sha256:new');
const OLD = image('sha256:old');
/** NEW as an engine with the containerd image store pushes it: in an index, which is what its tags name. */
const NEW_IN_INDEX: VerifiedImage = {
  ...NEW, manifest: { body: Buffer.from('{"manifests":[]}'), mediaType: 'application/vnd.oci.image.index.v1+json', digest: 'sha256:index-of-new' },
};

const context = (over: Partial<PlanContext> = {}): PlanContext => ({
  mode: 'publish', force: false, contentTag: CONTENT, tags: [ROLLING, CONTENT], ...over,
});

/** Where a tag naming `i` points, as readRegistryState reads it. */
const tagState = (i: VerifiedImage) => ({ digest: i.manifest.digest, configDigest: i.configDigest, imageDigest: i.digest });

/** Registry with the content tag at `content` (or absent) and the rolling tag at `rolling`, each naming its manifest. */
const registry = (
  content: VerifiedImage | undefined, rolling: VerifiedImage | undefined, extra: Record<string, VerifiedImage> = {},
): RegistryState => ({
  content,
  tags: {
    [CONTENT]: content && tagState(content),
    [ROLLING]: rolling && tagState(rolling),
    ...Object.fromEntries(Object.entries(extra).map(([t, i]) => [t, tagState(i)])),
  },
});

describe('planPublish: every outcome', () => {
  const cases: [string, PlanContext, RegistryState | undefined, PublishPlan][] = [
    ['no-op: every tag already at the content image', context(), registry(NEW, NEW), { kind: 'noop', image: NEW }],
    ['retag: content tag present, rolling tag elsewhere', context(), registry(NEW, OLD), { kind: 'retag', image: NEW, move: [ROLLING], dryRun: false }],
    ['no-op: every tag names the index holding the content image', context(), registry(NEW_IN_INDEX, NEW_IN_INDEX), { kind: 'noop', image: NEW_IN_INDEX }],
    ['retag: the rolling tag names the image, the content tag the index holding it', context(), registry(NEW_IN_INDEX, NEW),
      { kind: 'retag', image: NEW_IN_INDEX, move: [ROLLING], dryRun: false }],
    ['retag: content tag present, rolling tag missing', context(), registry(NEW, undefined), { kind: 'retag', image: NEW, move: [ROLLING], dryRun: false }],
    ['retag: only an extra --tag is missing', context({ tags: [ROLLING, CONTENT, 'v1'] }), registry(NEW, NEW),
      { kind: 'retag', image: NEW, move: ['v1'], dryRun: false }],
    ['build+push: new content', context(), registry(undefined, OLD), { kind: 'build-push', reason: 'new-content', dryRun: false }],
    ['build+push: empty repository', context(), registry(undefined, undefined), { kind: 'build-push', reason: 'new-content', dryRun: false }],
    ['build+push: --force although everything is there', context({ force: true }), registry(NEW, NEW), { kind: 'build-push', reason: 'forced', dryRun: false }],
    ['dry run of a no-op is a no-op', context({ mode: 'dry-run' }), registry(NEW, NEW), { kind: 'noop', image: NEW }],
    ['dry run of a retag', context({ mode: 'dry-run' }), registry(NEW, OLD), { kind: 'retag', image: NEW, move: [ROLLING], dryRun: true }],
    ['dry run of a build+push', context({ mode: 'dry-run' }), registry(undefined, OLD), { kind: 'build-push', reason: 'new-content', dryRun: true }],
    ['dry run with --force', context({ mode: 'dry-run', force: true }), registry(NEW, NEW), { kind: 'build-push', reason: 'forced', dryRun: true }],
    ['--no-push builds locally without the registry', context({ mode: 'no-push' }), undefined, { kind: 'build-local' }],
  ];

  it.each(cases)('%s', (_name, ctx, state, expected) => {
    expect(planPublish(ctx, state)).toEqual(expected);
  });

  it('refuses to plan a publish without having read the registry', () => {
    expect(() => planPublish(context(), undefined)).toThrow('planPublish needs the registry state unless the mode is no-push');
  });
});

describe('planUpload: after the build', () => {
  it('pushes an image the registry does not hold under any tag', () => {
    expect(planUpload(context(), registry(undefined, OLD), 'sha256:built')).toEqual({ kind: 'push' });
  });

  it('reuses the manifest of a tag that holds the same image id (a rebuild from cache)', () => {
    expect(planUpload(context(), registry(undefined, OLD), OLD.configDigest)).toEqual({ kind: 'reuse', tag: ROLLING, digest: OLD.digest });
  });

  it('knows the built image by the manifest a tag names: the id on the containerd image store', () => {
    expect(planUpload(context(), registry(undefined, OLD), OLD.manifest.digest)).toEqual({ kind: 'reuse', tag: ROLLING, digest: OLD.digest });
  });

  it('knows the built image inside an index a tag names (the containerd image store pushes one)', () => {
    // The engine's id there is the image manifest's digest; the tag names the index holding it.
    expect(planUpload(context(), registry(undefined, NEW_IN_INDEX), NEW.digest)).toEqual({ kind: 'reuse', tag: ROLLING, digest: 'sha256:index-of-new' });
  });

  it('pushes anyway with --force', () => {
    expect(planUpload(context({ force: true }), registry(undefined, OLD), OLD.configDigest)).toEqual({ kind: 'push' });
  });
});

describe('tagsToMove', () => {
  it('lists the tags not at the digest yet, leaving out the ones the push itself set', () => {
    expect(tagsToMove({ tags: [ROLLING, CONTENT, 'v1'] }, registry(undefined, OLD, { v1: NEW }), NEW, [CONTENT])).toEqual([ROLLING]);
    expect(tagsToMove({ tags: [ROLLING, CONTENT] }, registry(undefined, undefined), NEW)).toEqual([ROLLING, CONTENT]);
  });
});

describe('describePlan: what --dry-run prints', () => {
  const where = { repository: '127.0.0.1:5000/blog-data', contentTag: CONTENT, tags: [ROLLING, CONTENT] };
  it.each<[PublishPlan, string]>([
    [{ kind: 'noop', image: NEW }, `no-op: 127.0.0.1:5000/blog-data already holds this build (${CONTENT} = sha256:new); nothing built or pushed`],
    [{ kind: 'retag', image: NEW, move: [ROLLING], dryRun: true }, `dry run: would point ${ROLLING} at sha256:new (already in the registry as ${CONTENT}; a repository with immutable tags keeps an existing tag where it is)`],
    [{ kind: 'retag', image: NEW_IN_INDEX, move: [ROLLING], dryRun: true }, `dry run: would point ${ROLLING} at sha256:index-of-new (already in the registry as ${CONTENT}; a repository with immutable tags keeps an existing tag where it is)`],
    [{ kind: 'build-push', reason: 'new-content', dryRun: true }, `dry run: 127.0.0.1:5000/blog-data has no ${CONTENT}; a publish would build and push ${ROLLING}, ${CONTENT}`],
    [{ kind: 'build-push', reason: 'forced', dryRun: true }, `dry run: --force; a publish would build and push ${ROLLING}, ${CONTENT}`],
  ])('%j', (plan, sentence) => {
    expect(describePlan(plan, where)).toBe(sentence);
  });
});
