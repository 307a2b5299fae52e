/**
 * A route's contract in one object: method and path (the API Gateway route key), who may call it, the
 * zod schemas of its path parameters, query string and body, and its responses. The same object
 * drives the Lambda wrapper (`httpHandler`), the CDK route (`HttpApiConstruct.addRoute`) and the
 * OpenAPI document, so none of them lists a route or a schema a second time.
 */
import type * as z from '../zod.ts';
import type { Role } from './roles.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** `public`, or the roles (Cognito groups) allowed; admins are always allowed. */
export type RouteAuth = 'public' | readonly Role[];

export interface RouteRequest {
  /** Path parameters, e.g. `z.strictObject({ id: ZoneIdSchema })` for `/zones/{id}`. */
  path?: z.ZodMiniObject;
  /** Query string parameters (each a string, as API Gateway passes them). */
  query?: z.ZodMiniObject;
  /** The JSON body; a route without one refuses a body. */
  body?: z.ZodMiniType;
  /**
   * Request headers the route reads, by name (`Idempotency-Key`); required unless optional. Documented in
   * the OpenAPI document; the handler validates them with the same schemas (the wrapper does not).
   */
  headers?: z.ZodMiniObject;
}

export interface RouteResponse {
  description: string;
  /** The JSON body; absent for a response with no body. */
  schema?: z.ZodMiniType;
  /** Response headers the route sets, by name, with their description. */
  headers?: Record<string, string>;
}

export interface RouteSpec<
  Req extends RouteRequest = RouteRequest,
  Ok extends z.ZodMiniType = z.ZodMiniType,
  Auth extends RouteAuth = RouteAuth,
> {
  method: HttpMethod;
  /** API Gateway path, `{name}` for parameters. */
  path: string;
  operationId: string;
  summary: string;
  tags: readonly string[];
  auth: Auth;
  request: Req;
  /** The success status and body. */
  ok: { status: 200 | 201 | 202 | 204; description: string; schema: Ok; headers?: Record<string, string> };
  /** The error statuses this route documents beyond those every route has. */
  errors?: readonly number[];
  /** False for routes the local cloud serves but AWS does not (none are in the template). */
  deployed?: boolean;
}

/** Keeps the literal types of a route so handlers get their input and output typed. */
export function defineRoute<
  const Req extends RouteRequest,
  Ok extends z.ZodMiniType,
  const Auth extends RouteAuth,
>(spec: RouteSpec<Req, Ok, Auth>): RouteSpec<Req, Ok, Auth> {
  return spec;
}

/** `GET /zones/{id}`: the API Gateway route key. */
export function routeKey(spec: Pick<RouteSpec, 'method' | 'path'>): string {
  return `${spec.method} ${spec.path}`;
}
