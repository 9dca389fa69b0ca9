import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, DeleteLogGroupCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { describeWithServices, uniqueName } from '@blog-data/test-support';
import { followLogs, LogLine, main, readLogs } from '../src';
import { captureIo } from './cli-io';

describeWithServices('logs against the AWS emulator (CloudWatch Logs)', ['AWS_ENDPOINT_URL'], () => {
  const group = `/ecs/dev/${uniqueName('prefect-api')}`;
  const taskA = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
  const taskB = 'ffeeddccbbaa99887766554433221100';
  const now = Date.now();
  let logs: CloudWatchLogsClient;

  const put = (task: string, events: { at: number; message: string }[]) => logs.send(new PutLogEventsCommand({
    logGroupName: group,
    logStreamName: `prefect-server/prefect-server/${task}`,
    logEvents: events.map((e) => ({ timestamp: e.at, message: e.message })),
  }));

  beforeAll(async () => {
    logs = new CloudWatchLogsClient({ region: process.env.AWS_REGION ?? 'eu-west-2' });
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    for (const task of [taskA, taskB]) {
      await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: `prefect-server/prefect-server/${task}` }));
    }
    await put(taskA, [
      { at: now - 2 * 3600_000, message: 'two hours ago: outside --since 1h' },
      { at: now - 30 * 60_000, message: 'Starting Prefect server' },
      { at: now - 10 * 60_000, message: 'Uvicorn running on http://0.0.0.0:4200' },
    ]);
    await put(taskB, [{ at: now - 20 * 60_000, message: 'sqlalchemy.exc.TimeoutError: QueuePool limit reached' }]);
  });

  afterAll(async () => {
    await logs?.send(new DeleteLogGroupCommand({ logGroupName: group })).catch(() => undefined);
    logs?.destroy();
  });

  const capture = (environ: NodeJS.ProcessEnv = {}) => {
    const io = captureIo({ PLATFORM_LOGS__API: group, ...environ });
    return { ...io, out: io.stdout, err: io.stderr };
  };

  it('prints the last hour of a service, oldest first, with timestamps and task ids from the stream names', async () => {
    const io = capture();
    expect(await main(['logs', '--env', 'dev', '--service', 'api', '--since', '1h'], io)).toBe(0);
    const iso = (ms: number) => new Date(ms).toISOString();
    expect(io.out.text.split('\n').filter(Boolean)).toEqual([
      `${iso(now - 30 * 60_000)} [a1b2c3d4] Starting Prefect server`,
      `${iso(now - 20 * 60_000)} [ffeeddcc] sqlalchemy.exc.TimeoutError: QueuePool limit reached`,
      `${iso(now - 10 * 60_000)} [a1b2c3d4] Uvicorn running on http://0.0.0.0:4200`,
    ]);
  });

  it('prints JSON lines with the full task id and container with --json', async () => {
    const io = capture();
    expect(await main(['logs', '--service', 'api', '--since', '3h', '--json'], io)).toBe(0);
    const lines = io.out.text.trim().split('\n').map((l) => JSON.parse(l) as LogLine);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatchObject({ taskId: taskA, container: 'prefect-server', message: 'two hours ago: outside --since 1h' });
  });

  it('follows new lines without repeating old ones, and stops when aborted', async () => {
    const controller = new AbortController();
    const batches: (readonly LogLine[])[] = [];
    const following = followLogs({
      client: logs,
      logGroupName: group,
      startTime: new Date(now - 15 * 60_000),
      pollMs: 100,
      signal: controller.signal,
      onLines: (lines) => batches.push(lines),
    });
    await waitFor(() => batches.length >= 1);
    await put(taskB, [{ at: Date.now(), message: 'worker connected' }]);
    await waitFor(() => batches.flat().some((l) => l.message === 'worker connected'));
    await new Promise((r) => setTimeout(r, 350)); // a few more polls: nothing may repeat
    controller.abort();
    const printed = await following;
    expect(batches.flat().map((l) => l.message)).toEqual(['Uvicorn running on http://0.0.0.0:4200', 'worker connected']);
    expect(printed).toBe(2);
  });

  it('reports a missing log group as one error line naming it', async () => {
    const io = capture({ PLATFORM_LOGS__WORKER: `/ecs/dev/${uniqueName('missing')}` });
    expect(await main(['logs', '--service', 'worker'], io)).toBe(1);
    expect(io.err.text).toMatch(/^error: log group not found \(\/ecs\/dev\/missing-[a-z0-9-]+\): apply the platform stack .*\n$/);
  });

  it('refuses an unknown service and a bad --since with usage errors', async () => {
    const bad = capture();
    expect(await main(['logs', '--service', 'scheduler'], bad)).toBe(2);
    expect(bad.err.text).toBe('error: unknown service "scheduler" (--service): use one of api, worker, deployer\n');
    const since = capture();
    expect(await main(['logs', '--service', 'api', '--since', 'yesterday'], since)).toBe(2);
    expect(since.err.text).toContain('error: "yesterday" is not a duration or a time (--since)');
  });

  it('reads a bounded window with readLogs', async () => {
    const lines = await readLogs({ client: logs, logGroupName: group, startTime: new Date(now - 25 * 60_000), endTime: new Date(now - 15 * 60_000) });
    expect(lines.map((l) => l.taskId)).toEqual([taskB]);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
