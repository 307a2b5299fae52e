/**
 * `httpHandler`: the one wrapper for every HTTP route (API Gateway HTTP API, payload format 2.0).
 * In order: the caller from the authorizer's claims and the route's roles (401, 403); the body's size
 * (413 over 64 KiB) and media type (415); path, query and body parsed by the route's zod schemas, every
 * failing field reported at once (400); then the handler, whose result is sent as JSON. Anything thrown
 * becomes an `application/problem+json` response through the one error map (`errors.ts`). Bad input is
 * refused before the handler runs, so it never writes anything and never yields a 5xx.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { type FieldIssue, InputValidationError } from '../errors.ts';
import { logger, toFieldIssues } from '../middleware/task-handler.ts';
import type * as z from '../zod.ts';
import { type Caller, callerFromEvent, requireRole } from './auth.ts';
import { classifyError, PayloadTooLargeError, UnsupportedMediaTypeError } from './errors.ts';
import { jsonResponse, problemBody, problemResponse } from './problem.ts';
import type { RouteAuth, RouteRequest, RouteSpec } from './route.ts';

/** The largest body a route accepts. */
export const MAX_BODY_BYTES = 64 * 1024;

type Parsed<S> = S extends z.ZodMiniType ? z.output<S> : undefined;

export interface HttpInput<Req extends RouteRequest, Auth extends RouteAuth> {
  path: Parsed<Req['path']>;
  query: Parsed<Req['query']>;
  body: Parsed<Req['body']>;
  /** The verified caller; undefined on public routes. */
  caller: Auth extends 'public' ? undefined : Caller;
  event: APIGatewayProxyEventV2;
  context: Context;
}

/** A result with another status than the route's `ok.status`, or with headers (e.g. `Location`). */
export class Reply<T> {
  constructor(
    readonly status: number,
    readonly body: T,
    readonly headers: Record<string, string> = {},
  ) {}
}

function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/** `application/json` or any `+json` type, with parameters (`; charset=utf-8`) allowed. */
export function isJsonMediaType(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

function prefixed(prefix: string, issues: FieldIssue[]): FieldIssue[] {
  return issues.map((i) => ({ ...i, path: i.path ? `${prefix}.${i.path}` : prefix }));
}

/** Parses path, query and body; throws one InputValidationError naming every failing field. */
function parseRequest<Req extends RouteRequest>(spec: RouteSpec<Req>, event: APIGatewayProxyEventV2) {
  const issues: FieldIssue[] = [];
  const parse = (part: 'path' | 'query' | 'body', schema: z.ZodMiniType | undefined, value: unknown) => {
    if (!schema) return undefined;
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    issues.push(...prefixed(part, toFieldIssues(result.error)));
    return undefined;
  };
  const path = parse('path', spec.request.path, event.pathParameters ?? {});
  const query = parse('query', spec.request.query, event.queryStringParameters ?? {});

  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  const size = event.isBase64Encoded ? Buffer.from(raw, 'base64').byteLength : Buffer.byteLength(raw);
  if (size > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES, size);
  let body: unknown;
  if (spec.request.body) {
    if (!isJsonMediaType(header(event, 'content-type'))) {
      throw new UnsupportedMediaTypeError(
        `the body must be application/json; got ${header(event, 'content-type') ?? 'no Content-Type'}`,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      issues.push({ path: 'body', rule: 'invalid_json', message: 'the body is not valid JSON' });
    }
    if (json !== undefined) body = parse('body', spec.request.body, json);
  } else if (text.length > 0) {
    issues.push({ path: 'body', rule: 'not_allowed', message: 'this route takes no body' });
  }
  if (issues.length > 0) throw new InputValidationError(issues);
  return { path, query, body };
}

export function httpHandler<Req extends RouteRequest, Ok extends z.ZodMiniType, Auth extends RouteAuth>(
  spec: RouteSpec<Req, Ok, Auth>,
  fn: (input: HttpInput<Req, Auth>) => Promise<z.input<Ok> | Reply<z.input<Ok>>>,
) {
  const base = async (
    event: APIGatewayProxyEventV2,
    context: Context,
  ): Promise<APIGatewayProxyStructuredResultV2> => {
    let caller: Caller | undefined;
    if (spec.auth !== 'public') {
      caller = callerFromEvent(event);
      requireRole(caller, spec.auth as Exclude<RouteAuth, 'public'>);
    }
    const { path, query, body } = parseRequest(spec, event);
    const result = await fn({ path, query, body, caller, event, context } as HttpInput<Req, Auth>);
    if (result instanceof Reply) return jsonResponse(result.status, result.body, result.headers);
    return jsonResponse(spec.ok.status, result);
  };
  return middy(base)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use({
      onError: (request) => {
        const { status, detail, errors } = classifyError(request.error);
        if (status >= 500) logger.error('request failed', { error: request.error as Error });
        else logger.debug('request refused', { status, detail });
        const event = request.event as APIGatewayProxyEventV2 | undefined;
        request.response = problemResponse(
          problemBody(status, detail, {
            ...(event?.rawPath ? { instance: event.rawPath } : {}),
            ...(errors ? { errors } : {}),
          }),
        );
      },
    });
}
