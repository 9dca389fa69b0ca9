import * as http from 'node:http';
import * as https from 'node:https';
import { readOnlyVerdict } from './read-only';

/** Where `/api/*` goes and how it authenticates. */
export interface ApiProxyOptions {
  /** The environment's Prefect API URL, e.g. `https://prefect.example.com/api`. */
  readonly upstream: string;
  /** Basic-auth `user:password` added to every proxied request; undefined when the API has no auth. */
  readonly authString?: string;
  /** Time limit of one proxied request, ms. */
  readonly timeoutMs: number;
  /** Largest request body forwarded (filters are small), bytes. */
  readonly maxBodyBytes?: number;
}

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus what the proxy owns. */
const NOT_FORWARDED = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding',
  'upgrade', 'host', 'authorization', 'cookie', 'origin', 'referer', 'content-length',
]);
/** Upstream answer headers the browser must not see: a 401's challenge would open a login dialog. */
const NOT_RETURNED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'www-authenticate', 'set-cookie']);

/** Sends a JSON error answer. */
export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Forwards one `/api/*` request to the Prefect API when it only reads, adding the auth header the
 * browser never sees; answers 403 for anything that would write, without contacting Prefect.
 */
export async function proxyApiRequest(
  req: http.IncomingMessage, res: http.ServerResponse, apiPathAndQuery: string, options: ApiProxyOptions,
): Promise<void> {
  const apiPath = apiPathAndQuery.split('?')[0];
  const verdict = readOnlyVerdict(req.method ?? 'GET', apiPath);
  if (!verdict.allowed) {
    req.resume();
    return sendJson(res, 403, { detail: verdict.reason });
  }
  let body: Buffer;
  try {
    body = await readBody(req, options.maxBodyBytes ?? 1024 * 1024);
  } catch (err) {
    return sendJson(res, 413, { detail: (err as Error).message });
  }

  const target = new URL(options.upstream.replace(/\/+$/, '') + apiPathAndQuery);
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !NOT_FORWARDED.has(name)) headers[name] = value;
  }
  if (options.authString) headers.authorization = `Basic ${Buffer.from(options.authString).toString('base64')}`;
  if (body.length > 0) headers['content-length'] = body.length;

  await new Promise<void>((resolve) => {
    const send = target.protocol === 'https:' ? https.request : http.request;
    const upstream = send(target, { method: req.method, headers, timeout: options.timeoutMs }, (answer) => {
      const returned: http.OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(answer.headers)) {
        if (value !== undefined && !NOT_RETURNED.has(name)) returned[name] = value;
      }
      res.writeHead(answer.statusCode ?? 502, returned);
      answer.pipe(res);
      answer.on('end', resolve);
      answer.on('error', () => {
        res.destroy();
        resolve();
      });
    });
    upstream.on('timeout', () => upstream.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    upstream.on('error', (err) => {
      // The upstream URL carries no credentials (they travel in a header), so it may be shown.
      if (!res.headersSent) sendJson(res, 502, { detail: `cannot reach the Prefect API at ${target.origin}: ${err.message}` });
      else res.destroy();
      resolve();
    });
    upstream.end(body);
  });
}

async function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error(`request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
