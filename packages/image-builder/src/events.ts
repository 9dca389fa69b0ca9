import type { Readable } from 'node:stream';

/**
 * One JSON message of the Engine API's build or push stream. The engine reports
 * failures as `error`/`errorDetail` messages inside a stream whose HTTP request
 * succeeded, so every message must be looked at: the HTTP request itself ends with 200.
 */
export interface EngineEvent {
  readonly stream?: string;
  readonly status?: string;
  readonly id?: string;
  readonly progress?: string;
  readonly progressDetail?: { readonly current?: number; readonly total?: number };
  readonly error?: string;
  readonly errorDetail?: { readonly code?: number; readonly message?: string };
  readonly aux?: { readonly ID?: string; readonly Tag?: string; readonly Digest?: string; readonly Size?: number };
}

/** The failure message an event carries, if any (`errorDetail.message` wins, it is the untruncated one). */
export function eventError(event: EngineEvent): string | undefined {
  const detail = event.errorDetail?.message;
  if (detail) return detail;
  if (event.error) return event.error;
  if (event.errorDetail) return 'the engine reported an error without a message';
  return undefined;
}

/**
 * Parses a stream of newline-delimited JSON messages. A line that is not JSON
 * (a proxy's HTML error page, a truncated write) becomes an `error` event
 * rather than an exception lost in a stream callback.
 */
export async function* readEngineEvents(stream: Readable): AsyncGenerator<EngineEvent> {
  let buffer = '';
  for await (const chunk of stream) {
    buffer += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line) yield parseLine(line);
    }
  }
  const rest = buffer.trim();
  if (rest) yield parseLine(rest);
}

function parseLine(line: string): EngineEvent {
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed && typeof parsed === 'object') return parsed as EngineEvent;
    return { error: `unexpected message from the engine: ${line.slice(0, 200)}` };
  } catch {
    return { error: `unreadable message from the engine: ${line.slice(0, 200)}` };
  }
}
