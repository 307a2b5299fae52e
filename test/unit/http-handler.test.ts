import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { listClaim } from '#shared/http/auth.ts';
import { classifyError, ERROR_STATUS } from '#shared/http/errors.ts';
import { httpHandler, MAX_BODY_BYTES, Reply } from '#shared/http/handler.ts';
import { SECURITY_HEADERS } from '#shared/http/problem.ts';
import { defineRoute } from '#shared/http/route.ts';
import * as z from '#shared/zod.ts';

const context = {
  awsRequestId: 'req-1',
  functionName: 'test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:ap-southeast-1:000000000000:function:test',
  memoryLimitInMB: '128',
  logGroupName: '/aws/lambda/test',
  logStreamName: 'test',
  getRemainingTimeInMillis: () => 5000,
} as unknown as Context;

function event(overrides: Partial<APIGatewayProxyEventV2> & { claims?: Record<string, unknown> } = {}) {
  const { claims, ...rest } = overrides;
  return {
    version: '2.0',
    routeKey: 'POST /things/{id}',
    rawPath: '/things/a-1',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    isBase64Encoded: false,
    requestContext: {
      http: { method: 'POST', path: '/things/a-1' },
      ...(claims ? { authorizer: { jwt: { claims, scopes: null } } } : {}),
    },
    pathParameters: { id: 'a-1' },
    ...rest,
  } as unknown as APIGatewayProxyEventV2;
}

const accessClaims = (groups: string, extra: Record<string, unknown> = {}) => ({
  sub: 'user-1',
  username: 'alice',
  token_use: 'access',
  'cognito:groups': groups,
  ...extra,
});

const thingRoute = defineRoute({
  method: 'POST',
  path: '/things/{id}',
  operationId: 'makeThing',
  summary: 'test route',
  tags: ['test'],
  auth: ['zone-manager'],
  request: {
    path: z.strictObject({ id: z.string().check(z.regex(/^[a-z]-\d$/)) }),
    query: z.strictObject({ verbose: z.optional(z.enum(['yes', 'no'])) }),
    body: z.strictObject({
      name: z.string().check(z.minLength(1), z.maxLength(10)),
      count: z.number().check(z.int(), z.gte(0)),
    }),
  },
  ok: { status: 201, description: 'made', schema: z.strictObject({ id: z.string(), name: z.string() }) },
});

let calls = 0;
const thing = httpHandler(thingRoute, async ({ path, body, caller }) => {
  calls++;
  if (body.name === 'boom') throw new Error('secret internals');
  if (body.name === 'taken') throw Object.assign(new Error('already there'), { name: 'StaleVersionError' });
  if (body.name === 'loc') return new Reply(202, { id: path.id, name: caller.username }, { location: '/x' });
  return { id: path.id, name: body.name };
});

async function call(e: APIGatewayProxyEventV2) {
  const out = (await thing(e, context)) as APIGatewayProxyStructuredResultV2;
  return { ...out, json: JSON.parse(out.body ?? 'null') as Record<string, unknown> };
}

const zoneManager = accessClaims('[zone-manager]', { 'custom:zones': 'kcn-a,kcn-b' });

describe('httpHandler', () => {
  it('parses path, query and body, calls the handler and answers with the route status and JSON', async () => {
    const out = await call(event({ claims: zoneManager, body: JSON.stringify({ name: 'x', count: 1 }) }));
    expect(out.statusCode).toBe(201);
    expect(out.headers?.['content-type']).toBe('application/json');
    expect(out.json).toEqual({ id: 'a-1', name: 'x' });
  });

  it('sends a Reply with its own status and headers', async () => {
    const out = await call(event({ claims: zoneManager, body: JSON.stringify({ name: 'loc', count: 1 }) }));
    expect(out.statusCode).toBe(202);
    expect(out.headers?.location).toBe('/x');
    expect(out.json.name).toBe('alice');
  });

  it('reports every failing field of path, query and body in one 400 problem, without calling the handler', async () => {
    const before = calls;
    const out = await call(
      event({
        claims: zoneManager,
        pathParameters: { id: 'BAD' },
        queryStringParameters: { verbose: 'maybe', extra: '1' },
        body: JSON.stringify({ name: '', count: -1, more: true }),
      }),
    );
    expect(out.statusCode).toBe(400);
    expect(out.headers?.['content-type']).toBe('application/problem+json');
    const paths = (out.json.errors as Array<{ path: string; rule: string }>).map((e) => e.path).sort();
    expect(paths).toEqual(['body', 'body.count', 'body.name', 'path.id', 'query', 'query.verbose']);
    expect(calls).toBe(before);
  });

  it('answers 400 naming the body when it is not JSON', async () => {
    const out = await call(event({ claims: zoneManager, body: '{"name":' }));
    expect(out.statusCode).toBe(400);
    expect(out.json.errors).toEqual([
      { path: 'body', rule: 'invalid_json', message: 'the body is not valid JSON' },
    ]);
  });

  it('answers 413 for a body over 64 KiB, even base64-encoded', async () => {
    const big = JSON.stringify({ name: 'x', count: 1, pad: 'a'.repeat(MAX_BODY_BYTES) });
    expect((await call(event({ claims: zoneManager, body: big }))).statusCode).toBe(413);
    const encoded = Buffer.from(big).toString('base64');
    expect(
      (await call(event({ claims: zoneManager, body: encoded, isBase64Encoded: true }))).statusCode,
    ).toBe(413);
  });

  it('accepts a body of exactly 64 KiB as far as size goes (then validates it)', async () => {
    const base = JSON.stringify({ name: 'x', count: 1, pad: '' });
    const body = JSON.stringify({ name: 'x', count: 1, pad: 'a'.repeat(MAX_BODY_BYTES - base.length) });
    expect(Buffer.byteLength(body)).toBe(MAX_BODY_BYTES);
    const out = await call(event({ claims: zoneManager, body }));
    expect(out.statusCode).toBe(400);
    expect((out.json.errors as Array<{ path: string }>).map((e) => e.path)).toEqual(['body']);
  });

  it('answers 415 for a body that is not application/json, and accepts +json and a charset', async () => {
    const body = JSON.stringify({ name: 'x', count: 1 });
    const as = (type: string | undefined) =>
      call(event({ claims: zoneManager, body, headers: type ? { 'Content-Type': type } : {} }));
    expect((await as('text/plain')).statusCode).toBe(415);
    expect((await as(undefined)).statusCode).toBe(415);
    expect((await as('application/json; charset=utf-8')).statusCode).toBe(201);
    expect((await as('application/merge-patch+json')).statusCode).toBe(201);
  });

  it('answers 401 without claims, and for an ID token (token_use "id") that the authorizer let through', async () => {
    const body = JSON.stringify({ name: 'x', count: 1 });
    expect((await call(event({ body }))).statusCode).toBe(401);
    const idToken = { ...zoneManager, token_use: 'id' };
    const out = await call(event({ claims: idToken, body }));
    expect(out.statusCode).toBe(401);
    expect(out.json.detail).toMatch(/access token/);
  });

  it('answers 403 to a caller without the route’s role, before looking at the input', async () => {
    const out = await call(event({ claims: accessClaims('[investor]'), body: 'not json' }));
    expect(out.statusCode).toBe(403);
    expect(out.headers?.['content-type']).toBe('application/problem+json');
  });

  it('lets admins through every role check', async () => {
    const out = await call(
      event({ claims: accessClaims('[admin]'), body: JSON.stringify({ name: 'x', count: 1 }) }),
    );
    expect(out.statusCode).toBe(201);
  });

  it('maps a named domain error through the one error map', async () => {
    const out = await call(event({ claims: zoneManager, body: JSON.stringify({ name: 'taken', count: 1 }) }));
    expect(out.statusCode).toBe(409);
    expect(out.json.detail).toBe('already there');
  });

  it('answers 500 for an unknown error without leaking its message', async () => {
    const out = await call(event({ claims: zoneManager, body: JSON.stringify({ name: 'boom', count: 1 }) }));
    expect(out.statusCode).toBe(500);
    expect(JSON.stringify(out.json)).not.toContain('secret internals');
  });

  it('sends the security headers on successes and problems alike', async () => {
    for (const e of [
      event({ claims: zoneManager, body: JSON.stringify({ name: 'x', count: 1 }) }),
      event({ body: 'x' }),
    ]) {
      const out = await call(e);
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(out.headers?.[name]).toBe(value);
    }
  });

  it('never answers a 5xx to any body, path or query a client can send (property)', async () => {
    const jsonish = fc.oneof(
      fc.json(),
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
    );
    await fc.assert(
      fc.asyncProperty(
        jsonish,
        fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 12 }), { maxKeys: 3 }),
        fc.string({ maxLength: 20 }),
        async (body, query, id) => {
          const out = await call(
            event({ claims: zoneManager, body, queryStringParameters: query, pathParameters: { id } }),
          );
          const status = out.statusCode ?? 0;
          expect(status).toBeGreaterThanOrEqual(200);
          expect(status).toBeLessThan(500);
          if (status >= 400) expect(out.json.status).toBe(status);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the error map', () => {
  it('maps each listed error name to its status and anything else to 500', () => {
    for (const [name, status] of Object.entries(ERROR_STATUS)) {
      expect(classifyError(Object.assign(new Error('x'), { name })).status).toBe(status);
    }
    expect(classifyError(new TypeError('x')).status).toBe(500);
    expect(classifyError('a string').status).toBe(500);
  });
});

describe('listClaim', () => {
  it('reads API Gateway’s flattened arrays, JSON arrays and comma-separated attributes alike', () => {
    expect(listClaim('[investor admin]')).toEqual(['investor', 'admin']);
    expect(listClaim(['a', 'b'])).toEqual(['a', 'b']);
    expect(listClaim('kcn-a,kcn-b')).toEqual(['kcn-a', 'kcn-b']);
    expect(listClaim('')).toEqual([]);
    expect(listClaim(undefined)).toEqual([]);
  });
});
