// The web console's HTTP server: on 127.0.0.1 only, every request carrying the per-run token (in the URL the
// console prints, then in a cookie), the Host header checked (no DNS rebinding), the page's static files from
// the package's console/ folder (no build step) and the JSON the page asks for (views.ts), events as SSE.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '../client/client.js';
import { EventFeed } from './event-feed.js';
import { ConsoleViews } from './views.js';

const ASSETS = new URL('../../../console/', import.meta.url); // from dist/src/console/, as in the package
const TYPES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'graph.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};
const COOKIE = 'dc_console';
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer', // the token is in the URL
  'cache-control': 'no-store',
};

export interface ConsoleOptions {
  /** A started client, as an admin of the cluster. */
  client: Client;
  /** 0 (default): any free port. */
  port?: number;
  onError?: (err: unknown) => void;
}

export class ConsoleServer {
  private constructor(
    private readonly server: Server,
    private readonly feed: EventFeed,
    /** http://127.0.0.1:PORT/?token=...: what to open. */
    readonly url: string,
  ) {}

  static async start(options: ConsoleOptions): Promise<ConsoleServer> {
    const token = randomBytes(24).toString('base64url');
    const views = new ConsoleViews(options.client);
    const feed = new EventFeed(options.client, options.onError);
    let port = 0;
    const server = createServer((req, res) => {
      handle(req, res, { token, port, views, feed }).catch((err) => {
        options.onError?.(err);
        if (!res.headersSent) json(res, 500, errorBody(err));
        else res.end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', resolve);
    });
    port = (server.address() as AddressInfo).port;
    feed.start();
    return new ConsoleServer(server, feed, `http://127.0.0.1:${port}/?token=${token}`);
  }

  async close(): Promise<void> {
    this.feed.stop();
    this.server.closeAllConnections(); // the event streams never end by themselves
    await new Promise((resolve) => this.server.close(resolve));
  }
}

interface Context {
  token: string;
  port: number;
  views: ConsoleViews;
  feed: EventFeed;
}

async function handle(req: IncomingMessage, res: ServerResponse, c: Context): Promise<void> {
  const url = new URL(req.url ?? '/', `http://127.0.0.1:${c.port}`);
  if (req.headers.host !== `127.0.0.1:${c.port}` && req.headers.host !== `localhost:${c.port}`) {
    return text(res, 403, 'wrong Host: open the console at the URL it printed');
  }
  const given = url.searchParams.get('token') ?? cookieOf(req);
  if (!given || !sameSecret(given, c.token)) {
    return text(res, 401, 'no valid token: open the console at the URL it printed (it carries the token)');
  }
  if (req.method !== 'GET') return text(res, 405, 'the console only reads');
  const path = url.pathname;
  if (path === '/' || path.startsWith('/assets/')) {
    const name = path === '/' ? 'index.html' : path.slice('/assets/'.length);
    const type = TYPES[name];
    if (!type) return text(res, 404, 'no such file');
    const headers: Record<string, string> = { ...SECURITY_HEADERS, 'content-type': type };
    if (url.searchParams.has('token'))
      headers['set-cookie'] = `${COOKIE}=${c.token}; HttpOnly; SameSite=Strict; Path=/`;
    res.writeHead(200, headers).end(await readFile(new URL(name, ASSETS)));
    return;
  }
  const q = (name: string) => url.searchParams.get(name) || undefined;
  switch (path) {
    case '/api/backends':
      return json(res, 200, await c.views.backends());
    case '/api/objects':
      return json(
        res,
        200,
        await c.views.objects({
          className: q('class'),
          dataset: q('dataset'),
          backendId: q('backend'),
          offset: bounded(q('offset'), 0, 0, 1_000_000),
          limit: bounded(q('limit'), 25, 1, 500),
        }),
      );
    case '/api/object': {
      const id = q('id');
      const backend = q('backend');
      if (!id || !backend) return json(res, 400, { error: 'id and backend are required' });
      const detail = await c.views.object(id, backend).catch((err: unknown) => err);
      return detail instanceof Error ? json(res, 404, errorBody(detail)) : json(res, 200, detail);
    }
    case '/api/events':
      return events(req, res, c.feed);
    default:
      return text(res, 404, 'not found');
  }
}

/** Server-sent events: each batch of lifecycle events as one message, until the page goes away. */
function events(req: IncomingMessage, res: ServerResponse, feed: EventFeed): void {
  res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream', connection: 'keep-alive' });
  res.write(': events\n\n');
  const stop = feed.listen((batch) => res.write(`data: ${JSON.stringify(batch)}\n\n`));
  const keepAlive = setInterval(() => res.write(': still here\n\n'), 15_000).unref();
  req.once('close', () => {
    stop();
    clearInterval(keepAlive);
  });
}

function json(res: ServerResponse, status: number, body: unknown): Promise<void> {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json' }).end(JSON.stringify(body));
  return Promise.resolve();
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' }).end(`${body}\n`);
}

function errorBody(err: unknown): { error: string; name?: string } {
  if (err instanceof Error) return { error: err.message, name: err.name };
  return { error: String(err) };
}

function cookieOf(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, value] = part.trim().split('=');
    if (name === COOKIE) return value;
  }
  return undefined;
}

function sameSecret(a: string, b: string): boolean {
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
}

function bounded(value: string | undefined, fallback: number, min: number, max: number): number {
  const n = value === undefined ? fallback : Math.trunc(Number(value));
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : fallback;
}
