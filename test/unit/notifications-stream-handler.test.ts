/**
 * The notifications stream's Lambda (function URL, response streaming) driven through its streamify
 * wrapper with a stand-in for the runtime's `awslambda` global, DynamoDB mocked: tokens verified with
 * jose against a JWKS served locally (a locally signed key set; another key, an expired token, an ID
 * token or another app client's token is a 401), the first page after the newest notification,
 * Last-Event-ID resume, a bounded lifetime that ends the stream cleanly, and a client going away.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

const CLIENT_ID = 'console-client';
const SUB = 'sub-an';
const ddb = mockClient(DynamoDBDocumentClient);

interface Captured {
  meta?: { statusCode: number; headers: Record<string, string> };
  chunks: string[];
  ended: boolean;
  stream: Writable;
}

// The runtime's global, as far as the handler uses it: streamifyResponse hands it the response stream,
// HttpResponseStream.from records the status and headers (the prelude) and returns the stream.
const metaOf = new WeakMap<Writable, Captured['meta']>();
Object.assign(globalThis, {
  awslambda: {
    streamifyResponse: (fn: unknown) => fn,
    HttpResponseStream: {
      from(stream: Writable, meta: Captured['meta']) {
        metaOf.set(stream, meta);
        return stream;
      },
    },
  },
});

type Handler = (
  event: LambdaFunctionURLEvent,
  stream: Writable,
  context: { getRemainingTimeInMillis(): number },
) => Promise<void>;

let handler: Handler;
let jwks: Server;
let issuer: string;
let sign: (claims: JWTPayload, key?: 'ours' | 'foreign') => Promise<string>;

beforeAll(async () => {
  const ours = await generateKeyPair('RS256');
  const foreign = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(ours.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwks = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((ok) => jwks.listen(0, '127.0.0.1', ok));
  const port = (jwks.address() as AddressInfo).port;
  issuer = `https://cognito-idp.ap-southeast-1.amazonaws.com/ap-southeast-1_Test`;
  sign = (claims, key = 'ours') =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .sign(key === 'ours' ? ours.privateKey : foreign.privateKey);

  vi.stubEnv('TABLE_NAME', 'table');
  vi.stubEnv('AWS_REGION', 'ap-southeast-1');
  vi.stubEnv('TOKEN_ISSUER', issuer);
  vi.stubEnv('TOKEN_CLIENT_ID', CLIENT_ID);
  vi.stubEnv('JWKS_URL', `http://127.0.0.1:${port}/jwks.json`);
  vi.stubEnv('STREAM_POLL_MS', '5');
  ({ handler } = (await import('#functions/notifications/stream.ts')) as unknown as { handler: Handler });
});
afterAll(async () => {
  await new Promise((ok) => jwks.close(ok));
});
afterEach(() => ddb.reset());

const now = () => Math.floor(Date.now() / 1000);
const accessToken = (extra: JWTPayload = {}, key?: 'ours' | 'foreign') =>
  sign(
    {
      sub: SUB,
      iss: issuer,
      client_id: CLIENT_ID,
      token_use: 'access',
      iat: now(),
      exp: now() + 3600,
      ...extra,
    },
    key,
  );

function request(
  headers: Record<string, string>,
  query = '',
  method = 'GET',
  path = '/',
): LambdaFunctionURLEvent {
  return {
    version: '2.0',
    rawPath: path,
    rawQueryString: query,
    headers,
    requestContext: { http: { method, path } },
    isBase64Encoded: false,
  } as unknown as LambdaFunctionURLEvent;
}

function sink(): Captured {
  const captured: Captured = { chunks: [], ended: false, stream: undefined as unknown as Writable };
  captured.stream = new Writable({
    write(chunk, _enc, done) {
      captured.chunks.push(String(chunk));
      done();
    },
    final(done) {
      captured.ended = true;
      done();
    },
  });
  return captured;
}

/** Runs the handler; the stream lives `lifetimeMs` (the invocation's time left minus the margin). */
async function run(event: LambdaFunctionURLEvent, lifetimeMs = 150) {
  const out = sink();
  await handler(event, out.stream, { getRemainingTimeInMillis: () => lifetimeMs + 5_000 });
  out.meta = metaOf.get(out.stream);
  return out;
}

const notification = (seq: number) => ({
  pk: `NOTIF#${SUB}`,
  sk: `N#${String(seq).padStart(12, '0')}`,
  seq,
  userId: SUB,
  eventId: `app-1:e${seq}`,
  event: 'PlotHeld',
  applicationId: 'app-1',
  locale: 'vi',
  title: `n${seq}`,
  body: 'b',
  audience: 'investor',
  eventAt: '2026-03-02T03:00:00.000Z',
  createdAt: '2026-03-02T03:00:01.000Z',
});

/** The partition as the mock answers consistent Queries of `seq > last`. */
function inbox(seqs: number[], counter = Math.max(0, ...seqs)) {
  ddb.on(GetCommand).resolves({ Item: { seq: counter, unread: seqs.length } });
  ddb.on(QueryCommand).callsFake((input: { ExpressionAttributeValues: Record<string, string> }) => {
    const from = Number(String(input.ExpressionAttributeValues[':from']).slice(2));
    return { Items: seqs.filter((s) => s >= from).map(notification) };
  });
}

const events = (out: Captured) =>
  out.chunks
    .join('')
    .split('\n\n')
    .filter((block) => block.startsWith('id: '))
    .map((block) => {
      const [id, type, data] = block.split('\n');
      return { id: Number(id?.slice(4)), type, data: JSON.parse(String(data?.slice(6))) };
    });

describe('the notifications stream Lambda', () => {
  it('streams only what comes after the newest notification when there is no Last-Event-ID', async () => {
    const seqs = [1, 2];
    inbox(seqs);
    const pending = run(request({ authorization: `Bearer ${await accessToken()}` }), 300);
    // A notification stored while the stream is open.
    setTimeout(() => seqs.push(3), 50);
    const out = await pending;
    expect(out.meta?.statusCode).toBe(200);
    expect(out.meta?.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(out.chunks[0]).toBe('retry: 1000\n\n');
    expect(events(out).map((e) => [e.id, e.type, e.data.title])).toEqual([[3, 'event: notification', 'n3']]);
    expect(events(out)[0]?.data).toMatchObject({ id: '3', seq: 3, applicationId: 'app-1' });
    expect(out.ended).toBe(true);
  });

  it('resumes after Last-Event-ID with every later notification in order, without reading the counter', async () => {
    inbox([1, 2, 3, 4]);
    const out = await run(request({ authorization: `Bearer ${await accessToken()}`, 'last-event-id': '2' }));
    expect(events(out).map((e) => e.id)).toEqual([3, 4]);
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
    const firstQuery = ddb.commandCalls(QueryCommand)[0]?.args[0].input;
    expect(firstQuery?.ExpressionAttributeValues?.[':pk']).toBe(`NOTIF#${SUB}`);
    expect(firstQuery?.ConsistentRead).toBe(true);
  });

  it('takes the token from ?access_token= (EventSource) and serves the API path too', async () => {
    inbox([1]);
    const token = await accessToken();
    const out = await run(request({}, `access_token=${token}&lastEventId=0`, 'GET', '/notifications/stream'));
    expect(out.meta?.statusCode).toBe(200);
    expect(events(out).map((e) => e.id)).toEqual([1]);
  });

  it.each([
    ['no token', async () => ({})],
    [
      'a token signed by another key',
      async () => ({ authorization: `Bearer ${await accessToken({}, 'foreign')}` }),
    ],
    ['an expired token', async () => ({ authorization: `Bearer ${await accessToken({ exp: now() - 60 })}` })],
    ['an ID token', async () => ({ authorization: `Bearer ${await accessToken({ token_use: 'id' })}` })],
    [
      'another app client’s token',
      async () => ({ authorization: `Bearer ${await accessToken({ client_id: 'someone-else' })}` }),
    ],
    [
      'another issuer’s token',
      async () => ({ authorization: `Bearer ${await accessToken({ iss: 'https://evil.example' })}` }),
    ],
    ['a token that is not a JWT', async () => ({ authorization: 'Bearer not-a-jwt' })],
  ])('answers 401 to %s and reads nothing', async (_what, headers) => {
    inbox([1]);
    const out = await run(request(await headers()));
    expect(out.meta?.statusCode).toBe(401);
    expect(out.meta?.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(JSON.parse(out.chunks.join(''))).toMatchObject({ status: 401, title: 'Unauthorized' });
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
    expect(out.ended).toBe(true);
  });

  it('answers 400 to a Last-Event-ID that is not a notification id, 404 to another method or path', async () => {
    inbox([1]);
    const token = await accessToken();
    const bad = await run(request({ authorization: `Bearer ${token}`, 'last-event-id': 'abc' }));
    expect(bad.meta?.statusCode).toBe(400);
    expect(JSON.parse(bad.chunks.join('')).detail).toMatch(/Last-Event-ID/);
    expect((await run(request({ authorization: `Bearer ${token}` }, '', 'POST'))).meta?.statusCode).toBe(404);
    expect(
      (await run(request({ authorization: `Bearer ${token}` }, '', 'GET', '/other'))).meta?.statusCode,
    ).toBe(404);
  });

  it('stops polling when the client goes away, long before its lifetime', async () => {
    inbox([1]);
    const out = sink();
    const started = Date.now();
    const pending = handler(request({ authorization: `Bearer ${await accessToken()}` }), out.stream, {
      getRemainingTimeInMillis: () => 65_000,
    });
    setTimeout(() => out.stream.destroy(), 100);
    await pending;
    expect(Date.now() - started).toBeLessThan(10_000);
    const polls = ddb.commandCalls(QueryCommand).length;
    await new Promise((ok) => setTimeout(ok, 100));
    expect(ddb.commandCalls(QueryCommand).length).toBe(polls);
  });
});
