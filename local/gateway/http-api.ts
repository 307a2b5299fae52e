/**
 * The HTTP API as the synthesized template defines it (`AWS::ApiGatewayV2::Api`, `Route`,
 * `Integration`, `Authorizer`, `Stage`): routes with their Lambda and JWT rules, the stage's
 * throttling and the API's CORS. Nothing here lists a route: every one comes from the template.
 */
import { localIssuer, mapCognitoRefs } from '../auth/mapping.ts';
import type { CfnTemplate, ResolvedTemplate } from '../template/template.ts';

export interface JwtRules {
  issuer: string;
  audience: string[];
  scopes: string[];
}

export interface LocalRoute {
  routeKey: string;
  /** `GET`, ..., or `ANY`; `$default` routes have method and path `*`. */
  method: string;
  path: string;
  /** Matches a request path; groups are the path parameters, in `params` order. */
  pattern: RegExp;
  params: string[];
  /** Literal segments: API Gateway prefers the most specific route. */
  specificity: number;
  functionName: string;
  payloadFormatVersion: string;
  jwt?: JwtRules;
  throttle?: Throttle;
}

export interface Throttle {
  rateLimit: number;
  burstLimit: number;
}

export interface Cors {
  allowOrigins: string[];
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  maxAge?: number;
  allowCredentials: boolean;
}

export interface LocalHttpApi {
  apiId: string;
  routes: LocalRoute[];
  throttle?: Throttle;
  cors?: Cors;
}

function compilePath(path: string): { pattern: RegExp; params: string[]; specificity: number } {
  if (path === '*') return { pattern: /^.*$/, params: [], specificity: -1 };
  const params: string[] = [];
  let specificity = 0;
  const source = path
    .split('/')
    .map((segment) => {
      const greedy = /^\{([A-Za-z0-9_]+)\+\}$/.exec(segment);
      if (greedy?.[1]) {
        params.push(greedy[1]);
        return '(.+)';
      }
      const param = /^\{([A-Za-z0-9_]+)\}$/.exec(segment);
      if (param?.[1]) {
        params.push(param[1]);
        return '([^/]+)';
      }
      if (segment !== '') specificity += 1;
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { pattern: new RegExp(`^${source}$`), params, specificity };
}

/** Every logical ID a value refers to with `Ref`. */
function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (typeof value !== 'object' || value === null) return [];
  const obj = value as Record<string, unknown>;
  if (typeof obj.Ref === 'string') return [obj.Ref];
  return Object.values(obj).flatMap(refsIn);
}

function throttleOf(settings: unknown): Throttle | undefined {
  const s = settings as { ThrottlingRateLimit?: number; ThrottlingBurstLimit?: number } | undefined;
  if (s?.ThrottlingRateLimit === undefined && s?.ThrottlingBurstLimit === undefined) return undefined;
  return {
    rateLimit: Number(s.ThrottlingRateLimit ?? 10_000),
    burstLimit: Number(s.ThrottlingBurstLimit ?? 5_000),
  };
}

/** The HTTP APIs of a template with every reference resolved to local names and the local issuer. */
export function readHttpApis(
  template: CfnTemplate,
  resolved: ResolvedTemplate,
  gatewayUrl: string,
): LocalHttpApi[] {
  const resources = template.Resources ?? {};
  const of = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const refId = (v: unknown) => (v as { Ref?: string } | undefined)?.Ref;
  const apis: LocalHttpApi[] = [];
  for (const [apiId, api] of of('AWS::ApiGatewayV2::Api')) {
    if (api.Properties?.ProtocolType !== 'HTTP') continue;
    const stage = of('AWS::ApiGatewayV2::Stage').find(([, s]) => refId(s.Properties?.ApiId) === apiId)?.[1];
    const routeSettings = (stage?.Properties?.RouteSettings ?? {}) as Record<string, unknown>;
    const routes: LocalRoute[] = [];
    for (const [, route] of of('AWS::ApiGatewayV2::Route')) {
      const p = route.Properties ?? {};
      if (refId(p.ApiId) !== apiId) continue;
      const routeKey = String(p.RouteKey);
      // The target is `integrations/<Ref to the integration>`.
      const integrationId = refsIn(p.Target).find(
        (id) => resources[id]?.Type === 'AWS::ApiGatewayV2::Integration',
      );
      const integration = integrationId ? resources[integrationId] : undefined;
      if (integration?.Type !== 'AWS::ApiGatewayV2::Integration') {
        throw new Error(`route ${routeKey}: no integration ${String(integrationId)} in the template`);
      }
      const ip = integration.Properties ?? {};
      if (ip.IntegrationType !== 'AWS_PROXY') {
        throw new Error(
          `route ${routeKey}: integration type ${String(ip.IntegrationType)} is not supported locally`,
        );
      }
      const arn = String(resolved.resolve(ip.IntegrationUri));
      const functionName = /function:([A-Za-z0-9_-]+)/.exec(arn)?.[1] ?? arn;
      let jwt: JwtRules | undefined;
      if (p.AuthorizationType === 'JWT') {
        const authorizer = resources[String(refId(p.AuthorizerId))];
        const config = authorizer?.Properties?.JwtConfiguration as
          | { Issuer?: unknown; Audience?: unknown }
          | undefined;
        if (!config) throw new Error(`route ${routeKey}: its JWT authorizer has no JwtConfiguration`);
        const issuer = String(resolved.resolve(mapCognitoRefs(config.Issuer, template)));
        const audience = resolved.resolve(mapCognitoRefs(config.Audience, template));
        jwt = {
          issuer: localIssuer(issuer, gatewayUrl),
          audience: (Array.isArray(audience) ? audience : [audience]).map(String),
          scopes: ((p.AuthorizationScopes as string[] | undefined) ?? []).map(String),
        };
      } else if (p.AuthorizationType && p.AuthorizationType !== 'NONE') {
        throw new Error(
          `route ${routeKey}: authorization ${String(p.AuthorizationType)} is not supported locally`,
        );
      }
      const [method = '*', path = '*'] = routeKey === '$default' ? ['*', '*'] : routeKey.split(' ');
      const throttle = throttleOf(routeSettings[routeKey]);
      routes.push({
        routeKey,
        method,
        path,
        ...compilePath(path),
        functionName,
        payloadFormatVersion: String(ip.PayloadFormatVersion ?? '2.0'),
        ...(jwt ? { jwt } : {}),
        ...(throttle ? { throttle } : {}),
      });
    }
    routes.sort((a, b) => b.specificity - a.specificity || a.params.length - b.params.length);
    const c = api.Properties?.CorsConfiguration as Record<string, unknown> | undefined;
    const throttle = throttleOf(stage?.Properties?.DefaultRouteSettings);
    apis.push({
      apiId,
      routes,
      ...(throttle ? { throttle } : {}),
      ...(c
        ? {
            cors: {
              allowOrigins: (c.AllowOrigins as string[] | undefined) ?? [],
              allowMethods: (c.AllowMethods as string[] | undefined) ?? [],
              allowHeaders: (c.AllowHeaders as string[] | undefined) ?? [],
              exposeHeaders: (c.ExposeHeaders as string[] | undefined) ?? [],
              ...(c.MaxAge !== undefined ? { maxAge: Number(c.MaxAge) } : {}),
              allowCredentials: c.AllowCredentials === true,
            },
          }
        : {}),
    });
  }
  return apis;
}
