import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** What `GET /health` reports about each part of the local cloud. */
export type HealthReport = () => Promise<Record<string, unknown>>;

export interface LocalGateway {
  url: string;
  server: Server;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The local HTTP API. For now it serves `GET /health`; the template's API routes join it when the
 * product defines them (the HTTP API capability), so nothing here lists routes of its own.
 */
export async function startGateway(port: number, health: HealthReport): Promise<LocalGateway> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health' && (req.method === 'GET' || req.method === 'HEAD')) {
      health()
        .then((report) => send(res, 200, { status: 'ok', ...report }))
        .catch((err: unknown) => send(res, 503, { status: 'unavailable', detail: String(err) }));
      return;
    }
    send(res, 404, {
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: `No route for ${req.method} ${path}`,
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => ok());
  });
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
