import { CloudWatchLogsClient, FilteredLogEvent, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { UserError, usageError } from '@blog-data/cli-kit';
import type { PlatformConfig } from '@blog-data/config';

/** The services whose logs `logs` reads, and their config field. */
export const LOG_SERVICES = ['api', 'worker', 'deployer'] as const;
export type LogService = (typeof LOG_SERVICES)[number];

/** One log line with the task it came from. */
export interface LogLine {
  /** ISO 8601 time the line was logged. */
  readonly timestamp: string;
  /** ECS task id (the last part of the `prefix/container/task-id` stream name). */
  readonly taskId: string;
  /** Container name (the middle part of the stream name). */
  readonly container: string;
  readonly stream: string;
  readonly message: string;
  /** CloudWatch event id, to skip duplicates across polls. */
  readonly eventId: string;
}

/** The log group of a service, from the config (`logs.api`, `logs.worker`, `logs.deployer`). */
export function logGroupFor(config: PlatformConfig, service: string): string {
  if (!(LOG_SERVICES as readonly string[]).includes(service)) {
    throw usageError(`unknown service "${service}"`, '--service', `use one of ${LOG_SERVICES.join(', ')}`);
  }
  return config.logs[service as LogService];
}

/**
 * `--since` as a start time: a duration (`90s`, `15m`, `1h`, `2d`) before
 * `now`, or an ISO 8601 time.
 */
export function parseSince(value: string, now: Date = new Date()): Date {
  const match = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)$/.exec(value.trim());
  if (match) {
    const ms = Number(match[1]) * { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[match[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now.getTime() - ms);
  }
  const parsed = new Date(value);
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(parsed.getTime())) return parsed;
  throw usageError(`"${value}" is not a duration or a time`, '--since', 'use e.g. 30s, 15m, 1h, 2d or an ISO time such as 2026-01-31T12:00:00Z');
}

/** awslogs names streams `<prefix>/<container>/<task-id>`; anything else keeps its whole name. */
export function parseStreamName(stream: string): { container: string; taskId: string } {
  const parts = stream.split('/');
  if (parts.length >= 3) return { container: parts[parts.length - 2], taskId: parts[parts.length - 1] };
  return { container: '', taskId: stream };
}

function toLine(e: FilteredLogEvent): LogLine {
  const stream = e.logStreamName ?? '';
  const { container, taskId } = parseStreamName(stream);
  return {
    timestamp: new Date(e.timestamp ?? 0).toISOString(),
    taskId,
    container,
    stream,
    message: (e.message ?? '').replace(/\n$/, ''),
    eventId: e.eventId ?? `${stream}:${e.timestamp}:${e.message}`,
  };
}

/** Options of {@link readLogs}. */
export interface ReadLogsOptions {
  readonly client: CloudWatchLogsClient;
  readonly logGroupName: string;
  /** Inclusive start. */
  readonly startTime: Date;
  /** Exclusive end; default now. */
  readonly endTime?: Date;
  /** Stop after this many lines (oldest first). Default 10,000. */
  readonly limit?: number;
}

/** Reads every event of a log group in a time window across all streams, oldest first. */
export async function readLogs(options: ReadLogsOptions): Promise<LogLine[]> {
  const limit = options.limit ?? 10_000;
  const lines: LogLine[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await options.client.send(new FilterLogEventsCommand({
        logGroupName: options.logGroupName,
        startTime: options.startTime.getTime(),
        endTime: options.endTime?.getTime(),
        nextToken,
      }));
      lines.push(...(page.events ?? []).map(toLine));
      nextToken = page.nextToken;
    } while (nextToken && lines.length < limit);
  } catch (err) {
    if ((err as Error).name === 'ResourceNotFoundException') {
      throw new UserError('log group not found', options.logGroupName, 'apply the platform stack (it creates the log groups), or check --env');
    }
    throw err;
  }
  // FilterLogEvents interleaves streams page by page; sort for a single timeline.
  return lines.sort((a, b) => a.timestamp.localeCompare(b.timestamp)).slice(0, limit);
}

/** Options of {@link followLogs}. */
export interface FollowLogsOptions extends Omit<ReadLogsOptions, 'endTime'> {
  /** Called with each batch of new lines. */
  readonly onLines: (lines: readonly LogLine[]) => void;
  /** Stops the loop (SIGINT). */
  readonly signal: AbortSignal;
  /** Delay between polls, ms. Default 2000 (FilterLogEvents allows ~5 calls/s per account and region). */
  readonly pollMs?: number;
}

/**
 * Polls until `signal` aborts. Each poll starts at the newest timestamp seen
 * (inclusive) and skips event ids already printed at that timestamp, so memory
 * stays bounded by one millisecond's worth of events.
 */
export async function followLogs(options: FollowLogsOptions): Promise<number> {
  let start = options.startTime;
  let seenAtStart = new Set<string>();
  let printed = 0;
  while (!options.signal.aborted) {
    const lines = (await readLogs({ ...options, startTime: start })).filter((l) => !seenAtStart.has(l.eventId));
    if (lines.length > 0) {
      options.onLines(lines);
      printed += lines.length;
      const newest = lines[lines.length - 1].timestamp;
      const sameMs = lines.filter((l) => l.timestamp === newest).map((l) => l.eventId);
      seenAtStart = new Date(newest).getTime() === start.getTime() ? new Set([...seenAtStart, ...sameMs]) : new Set(sameMs);
      start = new Date(newest);
    }
    await sleep(options.pollMs ?? 2000, options.signal);
  }
  return printed;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
