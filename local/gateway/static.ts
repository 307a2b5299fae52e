/**
 * The web console's static files on the gateway's port: `/` (and `/index.html`), `/config.json` and
 * `/assets/<file>`, and nothing else, so no API path is ever taken (the console routes with `#/…`;
 * the gateway also asks the API's routes first). Hashed assets are cached for a year (a new build
 * has new names); the page and its config are revalidated every time.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { consoleCsp } from '../../web/csp.ts';

export interface StaticSite {
  /** Whether `method path` is one of the console's files (it may still lose to an API route). */
  handles(method: string | undefined, path: string): boolean;
  serve(req: IncomingMessage, res: ServerResponse, path: string): void;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

function pageHeaders(connect: readonly string[]) {
  return {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'content-security-policy': consoleCsp(connect),
  };
}

const ASSET_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9]+)+$/;

/**
 * Serves the built console in `dir` (read once: rebuild means restart) and `config` as `/config.json`.
 * `connect` lists other origins the console may call (its CSP's connect-src), e.g. a sign-in server.
 */
export function staticSite(
  dir: string,
  config: unknown,
  options: { connect?: readonly string[] } = {},
): StaticSite {
  const securityHeaders = pageHeaders(options.connect ?? []);
  const index = readFileSync(join(dir, 'index.html'));
  const assets = new Map<string, Buffer>();
  for (const name of readdirSync(join(dir, 'assets'))) {
    if (ASSET_NAME.test(name)) assets.set(name, readFileSync(join(dir, 'assets', name)));
  }
  const configBody = Buffer.from(JSON.stringify(config));
  const file = (path: string): { body: Buffer; type: string; cache: string } | undefined => {
    if (path === '/' || path === '/index.html')
      return { body: index, type: TYPES['.html'] as string, cache: 'no-cache' };
    if (path === '/config.json') return { body: configBody, type: 'application/json', cache: 'no-store' };
    if (path.startsWith('/assets/')) {
      const name = path.slice('/assets/'.length);
      const body = ASSET_NAME.test(name) ? assets.get(name) : undefined;
      if (!body) return undefined;
      return {
        body,
        type: TYPES[extname(name)] ?? 'application/octet-stream',
        cache: 'public, max-age=31536000, immutable',
      };
    }
    return undefined;
  };
  return {
    handles: (method, path) =>
      (method === 'GET' || method === 'HEAD') &&
      (path === '/' || path === '/index.html' || path === '/config.json' || path.startsWith('/assets/')),
    serve(req, res, path) {
      const found = file(path);
      req.resume();
      if (!found) {
        const body = JSON.stringify({
          type: 'about:blank',
          title: 'Not Found',
          status: 404,
          detail: `No file ${path}`,
        });
        res.writeHead(404, {
          'content-type': 'application/problem+json',
          'content-length': String(Buffer.byteLength(body)),
        });
        res.end(body);
        return;
      }
      res.writeHead(200, {
        ...securityHeaders,
        'content-type': found.type,
        'content-length': String(found.body.length),
        'cache-control': found.cache,
      });
      res.end(req.method === 'HEAD' ? undefined : found.body);
    },
  };
}
