/**
 * The Step Functions API over HTTP, AWS JSON 1.0: `POST /` with `X-Amz-Target: AWSStepFunctions.<Op>`.
 * `@aws-sdk/client-sfn` works against it unchanged. Dates go out as epoch seconds (fractional).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventsApiError } from '../../events/service.ts';
import { QueueApiError } from '../../queues/service.ts';
import type { ExecutionEngine } from '../runtime/engine.ts';
import { SfnApiError } from '../runtime/errors.ts';
import type { TokenRegistry } from '../runtime/tokens.ts';

type Operation = (request: Record<string, unknown>) => Promise<Record<string, unknown>>;

const DATE_FIELDS = new Set(['creationDate', 'startDate', 'stopDate', 'timestamp']);
const MAX_BODY = 1024 * 1024;

/** AWS JSON timestamps are epoch seconds; the engine keeps milliseconds. */
function toWire(value: unknown, key?: string): unknown {
  if (typeof value === 'number' && key && DATE_FIELDS.has(key)) return value / 1000;
  if (Array.isArray(value)) return value.map((v) => toWire(v));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toWire(v, k);
    return out;
  }
  return value;
}

export function operations(engine: ExecutionEngine, tokens: TokenRegistry): Record<string, Operation> {
  const requireOutput = (request: Record<string, unknown>): string => {
    const output = request.output;
    if (typeof output !== 'string') {
      throw new SfnApiError(
        'ValidationException',
        "1 validation error detected: Value null at 'output' failed to satisfy constraint: Member must not be null",
      );
    }
    try {
      JSON.parse(output);
    } catch (err) {
      throw new SfnApiError('InvalidOutput', `Invalid Output: '${(err as Error).message}'`);
    }
    return output;
  };
  return {
    CreateStateMachine: (r) => engine.createStateMachine(r),
    DescribeStateMachine: (r) => engine.describeStateMachine(r),
    ListStateMachines: (r) => engine.listStateMachines(r),
    DeleteStateMachine: (r) => engine.deleteStateMachine(r),
    StartExecution: (r) => engine.startExecution(r),
    DescribeExecution: (r) => engine.describeExecution(r),
    ListExecutions: (r) => engine.listExecutions(r),
    GetExecutionHistory: (r) => engine.getExecutionHistory(r),
    StopExecution: (r) => engine.stopExecution(r),
    SendTaskSuccess: async (r) => {
      const output = requireOutput(r);
      await tokens.sendSuccess(r.taskToken, output);
      return {};
    },
    SendTaskFailure: async (r) => {
      await tokens.sendFailure(
        r.taskToken,
        r.error === undefined ? undefined : String(r.error),
        r.cause === undefined ? undefined : String(r.cause),
      );
      return {};
    },
    SendTaskHeartbeat: async (r) => {
      await tokens.sendHeartbeat(r.taskToken);
      return {};
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown, errorType?: string) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/x-amz-json-1.0',
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': crypto.randomUUID(),
    ...(errorType ? { 'x-amzn-ErrorType': errorType } : {}),
  });
  res.end(text);
}

function sendError(res: ServerResponse, type: string, message: string, status = 400) {
  send(res, status, { __type: type, message }, type);
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export interface SfnServer {
  server: Server;
  endpoint: string;
  close(): Promise<void>;
}

export async function startSfnServer(
  engine: ExecutionEngine,
  tokens: TokenRegistry,
  port: number,
  host = '127.0.0.1',
  /** The EventBridge API (`local/events`), served on this endpoint for `AWSEvents.*` targets. */
  events?: Record<string, Operation>,
  /** More services on this endpoint: operations by `X-Amz-Target` prefix (`AmazonSQS.`), and a
   * query-protocol (form-encoded, XML) handler for a target-less POST (SNS). */
  more?: {
    targets?: Record<string, Record<string, Operation>>;
    query?: (body: string) => Promise<{ status: number; xml: string }>;
  },
): Promise<SfnServer> {
  const ops = operations(engine, tokens);
  const server = createServer(async (req, res) => {
    try {
      if (req.method === 'GET' && req.url === '/health') {
        send(res, 200, { status: 'ok' });
        return;
      }
      if (req.method !== 'POST') {
        sendError(res, 'UnknownOperationException', 'Only POST / is served', 404);
        return;
      }
      const target = String(req.headers['x-amz-target'] ?? '');
      if (!target && more?.query && String(req.headers['content-type']).includes('x-www-form-urlencoded')) {
        const answer = await more.query((await readBody(req)) ?? '');
        res.writeHead(answer.status, { 'Content-Type': 'text/xml' }).end(answer.xml);
        return;
      }
      const [prefix = '', name = ''] = target.split(/\.(.*)/);
      const op = target.startsWith('AWSStepFunctions.')
        ? ops[target.slice('AWSStepFunctions.'.length)]
        : target.startsWith('AWSEvents.')
          ? events?.[target.slice('AWSEvents.'.length)]
          : more?.targets?.[`${prefix}.`]?.[name];
      if (!op) {
        sendError(res, 'UnknownOperationException', `Unknown operation: '${target}'`);
        return;
      }
      const body = await readBody(req);
      if (body === undefined) {
        sendError(res, 'ValidationException', 'Request body exceeds 1 MiB', 413);
        return;
      }
      let request: unknown;
      try {
        request = body.length === 0 ? {} : JSON.parse(body);
      } catch {
        sendError(res, 'SerializationException', 'Request body is not valid JSON');
        return;
      }
      if (!request || typeof request !== 'object' || Array.isArray(request)) {
        sendError(res, 'SerializationException', 'Request body must be a JSON object');
        return;
      }
      const result = await op(request as Record<string, unknown>);
      send(res, 200, toWire(result));
    } catch (err) {
      if (err instanceof SfnApiError || err instanceof EventsApiError || err instanceof QueueApiError)
        sendError(res, err.type, err.message);
      else {
        const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        sendError(res, 'InternalServerError', message, 500);
      }
    }
  });
  // Idle keep-alive connections stay open a minute (as AWS's endpoints keep them), not Node's 5 s: a
  // client reusing a socket at the moment the server closes it gets ECONNRESET, which an SDK client
  // without retries (the tests' and benchmarks', maxAttempts 1) reports as a failure.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    endpoint: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
