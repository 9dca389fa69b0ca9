import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkFor, CommandCheck, ReadmeCommand, readmeCommands, readWorkspace, Workspace } from './testing/readme-commands';

const ROOT = join(__dirname, '..');
const PACKAGE_DIRS = ['packages', 'apps'].flatMap((group) =>
  readdirSync(join(ROOT, group), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `${group}/${d.name}`));
const READMES = spawnSync('git', ['ls-files', 'README.md', '*/README.md'], { cwd: ROOT, encoding: 'utf8' }).stdout.split('\n').filter(Boolean);

/** Nx project name → its targets, from every project.json. */
function nxTargets(): Record<string, string[]> {
  const projects: Record<string, string[]> = {};
  for (const dir of [...PACKAGE_DIRS, 'docker']) {
    const file = join(ROOT, dir, 'project.json');
    if (!existsSync(file)) continue;
    const project = JSON.parse(readFileSync(file, 'utf8')) as { name: string; targets?: Record<string, unknown> };
    projects[project.name] = Object.keys(project.targets ?? {});
  }
  return projects;
}

describe('how README commands are checked', () => {
  const ws: Workspace = {
    rootScripts: { 'platform-ops': 'node packages/ops/bin/platform-ops.js', 'image-builder': 'packages/image-builder/bin/image-builder', 'bench': 'projen bench' },
    // image-builder's command is a shell launcher (see packages/image-builder/bin/image-builder).
    bins: { 'platform-ops': 'packages/ops/bin/platform-ops.js', 'image-builder': 'packages/image-builder/bin/image-builder' },
    packages: { '@blog-data/prefect-api': { dir: 'packages/prefect-api', scripts: { 'generate:api': 'projen generate:api' } } },
  };
  const at = (text: string, cwd = '.'): ReadmeCommand => ({ file: 'README.md', line: 1, text, cwd });
  const node = process.execPath;

  it.each<[string, CommandCheck]>([
    ['pnpm platform-ops doctor --env prod --json', { kind: 'help', argv: [node, 'packages/ops/bin/platform-ops.js', 'doctor', '--env', 'prod', '--json', '--help'], env: {} }],
    ['pnpm -s platform-ops cost --env prod', { kind: 'run', argv: [node, 'packages/ops/bin/platform-ops.js', 'cost', '--env', 'prod'], env: {} }],
    ['PLATFORM_ENV=prod node bin/platform-ops.js logs --service api > out.txt',
      { kind: 'help', argv: [node, 'packages/ops/bin/platform-ops.js', 'logs', '--service', 'api', '--help'], env: { PLATFORM_ENV: 'prod' } }],
    ['pnpm image-builder publish --dry-run', { kind: 'help', argv: ['packages/image-builder/bin/image-builder', 'publish', '--dry-run', '--help'], env: {} }],
    ['image-builder publish', { kind: 'broken', reason: '`image-builder` is on no PATH: write `pnpm image-builder …` (a root script) or `packages/image-builder/bin/image-builder …`' }],
    ['platform-ops doctor --env prod', { kind: 'broken', reason: '`platform-ops` is on no PATH: write `pnpm platform-ops …` (a root script) or `node packages/ops/bin/platform-ops.js …`' }],
    ['pnpm nx run infra:deploy --configuration=staging', { kind: 'nx', project: 'infra', target: 'deploy' }],
    ['pnpm nx test config', { kind: 'nx', project: 'config', target: 'test' }],
    ['pnpm nx affected -t build test', { kind: 'external', tool: 'nx affected' }],
    ['pnpm bench', { kind: 'root-script', name: 'bench' }],
    ['pnpm deploy-everything', { kind: 'broken', reason: '`pnpm deploy-everything` is not a script of the root package.json' }],
    ['pnpm --filter @blog-data/prefect-api generate:api -- --check', { kind: 'package-script', packageName: '@blog-data/prefect-api', script: 'generate:api' }],
    ['bash scripts/rehearse.sh --keep', { kind: 'script', path: 'scripts/rehearse.sh' }],
    ['eval "$(scripts/test-services.sh up)"', { kind: 'script', path: 'scripts/test-services.sh' }],
    ['terraform output -json > outputs.json', { kind: 'external', tool: 'terraform' }],
    ['pnpm exec projen', { kind: 'external', tool: 'projen' }],
    ['pnpm exec platform-ops cost', { kind: 'broken', reason: '`pnpm exec platform-ops` finds no such command: write `pnpm platform-ops …`' }],
    ['pnpm --filter @blog-data/ops exec platform-ops cost',
      { kind: 'broken', reason: 'pnpm does not link a package\'s own executables: write `pnpm platform-ops …` from the root' }],
  ])('%s', (text, expected) => {
    const cwd = text.includes('node bin/') ? 'packages/ops' : '.';
    expect(checkFor(at(text, cwd), ws)).toEqual(expected);
  });

  it('joins continued lines, drops comments, and follows `cd` within a block', () => {
    const commands = readmeCommands(join(__dirname, 'testing'), 'readme-commands.fixture.md');
    expect(commands.map((c) => [c.line, c.text, c.cwd])).toEqual([
      [4, 'cd packages/infra', '.'],
      [5, 'node bin/platform-infra.js plan --env staging --json', 'packages/infra'],
      [11, 'echo "a # not a comment"', '.'],
    ]);
  });
});

describe('every command in every README works as written', () => {
  const ws = readWorkspace(ROOT, PACKAGE_DIRS);
  const targets = nxTargets();
  const commands = READMES.flatMap((file) => readmeCommands(ROOT, file));

  it('finds the READMEs and their commands', () => {
    expect(READMES).toContain('README.md');
    expect(commands.length).toBeGreaterThan(20);
  });

  it.each(commands.map((c) => [`${c.file}:${c.line} ${c.text}`, c] as const))('%s', (_title, command) => {
    const check = checkFor(command, ws);
    switch (check.kind) {
      case 'broken':
        throw new Error(`${command.file}:${command.line}: ${check.reason}`);
      case 'help':
      case 'run': {
        // [node, bin/x.js, …args] or, for a launcher, [bin/x, …args].
        const [cmd, ...argv] = check.argv;
        const bin = cmd === process.execPath ? argv[0] : cmd;
        if (!existsSync(join(ROOT, bin.replace(/bin\/[^/]+$/, 'lib/index.js')))) {
          throw new Error(`${bin}'s package is not built: run \`pnpm nx run-many -t build\` first`);
        }
        const result = spawnSync(cmd, argv, {
          cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...check.env, NO_COLOR: '1', CI: 'true' },
        });
        const said = `${result.stdout}\n${result.stderr}`;
        if (result.status !== 0) throw new Error(`${command.file}:${command.line}: \`${check.argv.slice(1).join(' ')}\` exited ${result.status}:\n${said}`);
        if (check.kind === 'help') expect(result.stdout).toMatch(/usage/i);
        break;
      }
      case 'script': {
        expect(existsSync(join(ROOT, check.path))).toBe(true);
        expect(spawnSync('bash', ['-n', join(ROOT, check.path)]).status).toBe(0);
        break;
      }
      case 'root-script':
        expect(Object.keys(ws.rootScripts)).toContain(check.name);
        break;
      case 'nx':
        expect(Object.keys(targets)).toContain(check.project);
        expect(targets[check.project]).toContain(check.target);
        break;
      case 'package-script':
        expect(Object.keys(ws.packages)).toContain(check.packageName);
        expect(Object.keys(ws.packages[check.packageName].scripts)).toContain(check.script);
        break;
      case 'external':
        break;
    }
  });
});
