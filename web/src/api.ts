/**
 * The console's HTTP client, typed by the server's own route contracts (`shared/http/routes.ts`): the
 * path parameters, query and body a route takes and the body it returns are the zod schemas' types,
 * never restated here. Errors are typed: `ApiError` (an RFC 9457 problem, with `fieldErrors` by field
 * path for a 400) and `NetworkError` (no answer at all).
 *
 *   const zone = await ctx.api.call(getZone, { path: { id } });   // typed ZoneDetail
 */
import type * as z from 'zod';
import type { RouteSpec } from '../../shared/http/route.ts';

type PathOf<R extends RouteSpec> = R['request'] extends { path: infer P extends z.core.$ZodType }
  ? { path: z.input<P> }
  : { path?: undefined };
type QueryOf<R extends RouteSpec> = R['request'] extends { query: infer Q extends z.core.$ZodType }
  ? { query?: Partial<z.input<Q>> }
  : { query?: undefined };
type BodyOf<R extends RouteSpec> = R['request'] extends { body: infer B extends z.core.$ZodType }
  ? { body: z.input<B> }
  : { body?: undefined };

/** What `call` takes for route `R`: its path parameters, query and body, plus headers. */
export type CallInput<R extends RouteSpec> = PathOf<R> &
  QueryOf<R> &
  BodyOf<R> & { headers?: Record<string, string>; signal?: AbortSignal };
/** The success body of route `R`. */
export type Output<R extends RouteSpec> = z.output<R['ok']['schema']>;

/** One failing field of a 400, as the API names it (`body.project.vsic.code`). */
export interface FieldError {
  path: string;
  rule: string;
  message: string;
}

export interface ProblemBody {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/** The API answered with an error status. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly problem: ProblemBody,
    /** Seconds from `Retry-After` (429). */
    readonly retryAfter?: number,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
  /** Every failing field of a 400 (empty otherwise). */
  get fieldErrors(): FieldError[] {
    return this.problem.errors ?? [];
  }
  /** The errors of one field path, e.g. `fieldError('body.contact.email')`. */
  fieldError(path: string): FieldError | undefined {
    return this.fieldErrors.find((e) => e.path === path);
  }
}

/** The API could not be reached (offline, DNS, refused, CORS). */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
}

export interface ApiResponse<T> {
  status: number;
  headers: Headers;
  data: T;
}

export interface ApiClient {
  /** Calls `route` and returns its typed body; throws ApiError or NetworkError. */
  call<R extends RouteSpec>(route: R, input?: CallInput<R>): Promise<Output<R>>;
  /** As `call`, with the status and headers too (e.g. `Location` of a 202). */
  request<R extends RouteSpec>(route: R, input?: CallInput<R>): Promise<ApiResponse<Output<R>>>;
  /** The absolute URL of an API path (for links such as `/openapi.json`). */
  url(path: string): string;
}

export interface ApiClientOptions {
  /** '' for the same origin (local cloud), else the API's base URL. */
  baseUrl: string;
  /** The bearer token now, if signed in. */
  token: () => string | undefined;
  /** Called on any 401 before the error is thrown (the shell signs out). */
  onUnauthorized?: () => void;
  fetch?: typeof fetch;
}

/** `/zones/{id}` with `{ id: 'a b' }` → `/zones/a%20b`; a missing parameter is an error, not "undefined". */
export function fillPath(template: string, params: Record<string, unknown> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined || value === null || value === '')
      throw new TypeError(`path parameter ${name} is missing for ${template}`);
    return encodeURIComponent(String(value));
  });
}

export function queryString(query: Record<string, unknown> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

async function problemOf(res: Response): Promise<ProblemBody> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as Partial<ProblemBody>;
    if (body && typeof body === 'object') return { ...body, status: res.status };
  } catch {
    // not JSON: described by its status alone
  }
  return { status: res.status, title: res.statusText || `HTTP ${res.status}` };
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const base = options.baseUrl.replace(/\/$/, '');
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  async function request<R extends RouteSpec>(route: R, input?: CallInput<R>) {
    const url =
      base +
      fillPath(route.path, input?.path as Record<string, unknown> | undefined) +
      queryString(input?.query as Record<string, unknown> | undefined);
    const headers: Record<string, string> = { accept: 'application/json', ...input?.headers };
    const token = options.token();
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (input?.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(input.body);
    }
    let res: Response;
    try {
      res = await doFetch(url, {
        method: route.method,
        headers,
        ...(body !== undefined ? { body } : {}),
        ...(input?.signal ? { signal: input.signal } : {}),
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') throw error;
      throw new NetworkError(error instanceof Error ? error.message : String(error));
    }
    if (!res.ok) {
      const problem = await problemOf(res);
      if (res.status === 401) options.onUnauthorized?.();
      const retry = Number(res.headers.get('retry-after'));
      throw new ApiError(res.status, problem, Number.isFinite(retry) && retry > 0 ? retry : undefined);
    }
    const data = (res.status === 204 ? undefined : await res.json()) as Output<R>;
    return { status: res.status, headers: res.headers, data };
  }
  return {
    request,
    call: async (route, input) => (await request(route, input)).data,
    url: (path) => `${base}${path}`,
  };
}

/**
 * Checks a body against a route's own schema before sending, with the server's field paths
 * (`body.project.vsic.code`), so a form shows the same errors without a round trip.
 */
export function validateBody<R extends RouteSpec>(route: R, body: unknown): FieldError[] {
  const schema = route.request.body;
  if (!schema) return [];
  const result = schema.safeParse(body);
  if (result.success) return [];
  return result.error.issues.map((i) => ({
    path: ['body', ...i.path.map(String)].join('.'),
    rule: i.code,
    message: i.message,
  }));
}
