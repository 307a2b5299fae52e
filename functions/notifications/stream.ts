/**
 * `GET /notifications/stream` on AWS: a Lambda function URL with response streaming (API Gateway HTTP
 * APIs cannot stream). The stream itself (format, Last-Event-ID, polling) is shared/notifications/
 * stream.ts, the same the local gateway serves.
 *
 * The URL's auth is NONE (a browser's EventSource cannot sign with SigV4), so the function verifies the
 * Cognito access token itself as the HTTP API's JWT authorizer does: RS256 by a key of the user pool's
 * JWKS (jose, keys cached per instance), `iss` the pool, `exp`/`nbf`, `client_id` the app client, and
 * `token_use` access. The token comes in `Authorization: Bearer` or `?access_token=`.
 *
 * A stream lives at most STREAM_LIFETIME_MS (and ends before the function's timeout): it then ends
 * cleanly and the browser reconnects after the `retry:` it was given, with its Last-Event-ID, so nothing
 * is lost and no invocation is cut off by the timeout. A client that goes away ends the loop.
 *
 * Environment: TABLE_NAME; TOKEN_ISSUER (`https://cognito-idp.<region>.amazonaws.com/<pool id>`);
 * TOKEN_CLIENT_ID; optional JWKS_URL (default `<issuer>/.well-known/jwks.json`), STREAM_POLL_MS (default
 * 250), STREAM_LIFETIME_MS (default 240,000).
 */
import type { Writable } from 'node:stream';
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { dynamodb } from '#shared/clients.ts';
import { requireEnv } from '#shared/config.ts';
import {
  accessTokenSub,
  LAST_EVENT_ID_ERROR,
  parseLastEventId,
  pollNotifications,
  retryField,
  STREAM_HEADERS,
  STREAM_PATH,
  streamProblem,
  streamToken,
} from '#shared/notifications/stream.ts';
import { NotificationStore } from '#shared/repository/notifications.ts';

const issuer = requireEnv('TOKEN_ISSUER');
const clientId = requireEnv('TOKEN_CLIENT_ID');
const jwks = createRemoteJWKSet(new URL(process.env.JWKS_URL || `${issuer}/.well-known/jwks.json`));
const store = new NotificationStore(dynamodb, requireEnv('TABLE_NAME'));
const pollMs = Number(process.env.STREAM_POLL_MS || 250);
const lifetimeMs = Number(process.env.STREAM_LIFETIME_MS || 240_000);
/** Kept between the stream's end and the function's timeout: the last poll and the end get through. */
const MARGIN_MS = 5_000;

class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
}

/** The caller's `sub`, from a Cognito access token of this pool and app client. */
async function verifyAccessToken(token: string): Promise<string> {
  const { payload } = await jwtVerify(token, jwks, { issuer, algorithms: ['RS256'] });
  // Cognito's access tokens carry the app client in `client_id` (no `aud`): the authorizer's audience.
  const audience = payload.aud ?? payload.client_id;
  const audiences = Array.isArray(audience) ? audience : [audience];
  if (!audiences.includes(clientId)) throw new InvalidTokenError('the token is not for this app client');
  return accessTokenSub(payload);
}

function respond(out: Writable, status: number, headers: Record<string, string>, body: string): void {
  const stream = awslambda.HttpResponseStream.from(out, { statusCode: status, headers });
  stream.write(body);
  stream.end();
}

function problem(out: Writable, status: number, detail: string, headers: Record<string, string> = {}) {
  const p = streamProblem(status, detail, headers);
  respond(out, p.status, p.headers, p.body);
}

/** The stream for one request (exported for tests, which drive it through the streamify wrapper). */
export async function streamNotifications(
  event: LambdaFunctionURLEvent,
  responseStream: Writable,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<void> {
  const method = event.requestContext.http.method;
  const url = new URL(`https://stream${event.rawPath || '/'}?${event.rawQueryString ?? ''}`);
  // The URL answers at its root; the API's path is accepted too, so a client can use either base.
  if (url.pathname !== '/' && url.pathname !== STREAM_PATH) {
    problem(responseStream, 404, `No route for ${method} ${url.pathname}`);
    return;
  }
  if (method !== 'GET') {
    problem(responseStream, 404, `No route for ${method} ${STREAM_PATH}`);
    return;
  }
  const headers = event.headers ?? {};
  const token = streamToken(headers.authorization, url);
  if (!token) {
    problem(responseStream, 401, 'no token in the Authorization header or access_token', {
      'www-authenticate': 'Bearer',
    });
    return;
  }
  let sub: string;
  try {
    sub = await verifyAccessToken(token);
  } catch (error) {
    problem(responseStream, 401, (error as Error).message, {
      'www-authenticate': 'Bearer error="invalid_token"',
    });
    return;
  }
  const lastEventId = parseLastEventId(headers['last-event-id'], url);
  if (lastEventId === null) {
    problem(responseStream, 400, LAST_EVENT_ID_ERROR);
    return;
  }
  const last = lastEventId ?? (await store.counter(sub)).seq;

  const out = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: 200,
    headers: { ...STREAM_HEADERS },
  });
  out.write(retryField());
  const poll = pollNotifications({
    store,
    userId: sub,
    after: last,
    sink: { write: (chunk) => out.write(chunk), end: () => out.end() },
    pollMs,
    heartbeatMs: 15_000,
    maxErrors: 20,
    lifetimeMs: Math.max(0, Math.min(lifetimeMs, context.getRemainingTimeInMillis() - MARGIN_MS)),
  });
  // The client went away: stop polling (the invocation then ends, and is no longer billed).
  out.on('close', poll.stop);
  out.on('error', poll.stop);
  await poll.done;
  if (!out.writableEnded) out.end();
}

// `awslambda` is the Node.js runtime's global; elsewhere (a test without its stand-in, a tool importing
// every handler) the module still loads and says why it cannot serve.
export const handler =
  typeof awslambda === 'undefined'
    ? async () => {
        throw new Error('the notifications stream runs only in the Lambda Node.js runtime (awslambda)');
      }
    : awslambda.streamifyResponse(streamNotifications);
