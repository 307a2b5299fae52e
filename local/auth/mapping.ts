/**
 * THE one place where Cognito's identifiers in the template become the local issuer's.
 *
 * On AWS the JWT authorizer's issuer is `https://cognito-idp.<region>.amazonaws.com/<user pool id>`
 * and its audience the app client id(s). Locally:
 * - a user pool (logical ID `P`) is the issuer `<gateway URL>/local-cognito/P`, whose discovery
 *   document and JWKS are served under that path;
 * - an app client (logical ID `C`) has the client id `C`, which local access tokens carry as
 *   `client_id` (ID tokens as `aud`), as Cognito's do.
 * Any other issuer (a non-Cognito IdP) is kept as it is and its tokens cannot be issued locally.
 */
import type { CfnTemplate } from '../template/template.ts';

export const LOCAL_ISSUER_PATH = '/local-cognito';

export function localIssuerUrl(gatewayUrl: string, userPoolLogicalId: string): string {
  return `${gatewayUrl}${LOCAL_ISSUER_PATH}/${userPoolLogicalId}`;
}

/**
 * Replaces every `Ref` to a Cognito user pool or app client by its local identifier, so the value can
 * then be resolved like any other: a pool's issuer URL becomes the local issuer's.
 */
export function mapCognitoRefs(value: unknown, template: CfnTemplate): unknown {
  const resources = template.Resources ?? {};
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v !== 'object' || v === null) return v;
    const obj = v as Record<string, unknown>;
    if (typeof obj.Ref === 'string' && Object.keys(obj).length === 1) {
      const type = resources[obj.Ref]?.Type;
      if (type === 'AWS::Cognito::UserPool') return `local-pool:${obj.Ref}`;
      if (type === 'AWS::Cognito::UserPoolClient') return obj.Ref;
    }
    return Object.fromEntries(Object.entries(obj).map(([k, x]) => [k, walk(x)]));
  };
  return walk(value);
}

/** A resolved issuer: Cognito's URL for a local pool becomes the local issuer URL of that pool. */
export function localIssuer(resolvedIssuer: string, gatewayUrl: string): string {
  const m = /^https:\/\/cognito-idp\.[a-z0-9-]+\.amazonaws\.com\/local-pool:([A-Za-z0-9]+)$/.exec(
    resolvedIssuer,
  );
  return m?.[1] ? localIssuerUrl(gatewayUrl, m[1]) : resolvedIssuer;
}

/** The user pools and app clients of the template (logical IDs), for the local sign-in routes. */
export function cognitoResources(template: CfnTemplate): {
  pools: string[];
  clients: Array<{ id: string; pool: string }>;
} {
  const pools: string[] = [];
  const clients: Array<{ id: string; pool: string }> = [];
  for (const [id, r] of Object.entries(template.Resources ?? {})) {
    if (r.Type === 'AWS::Cognito::UserPool') pools.push(id);
    if (r.Type === 'AWS::Cognito::UserPoolClient') {
      const ref = (r.Properties?.UserPoolId as { Ref?: string } | undefined)?.Ref;
      if (ref) clients.push({ id, pool: ref });
    }
  }
  return { pools, clients };
}
