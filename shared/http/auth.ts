/**
 * The caller, read from the claims API Gateway's JWT authorizer verified and put in the event. The
 * authorizer checks signature, issuer, audience and expiry; this module checks what it cannot: that
 * the token is an access token (Cognito's ID tokens carry the client id as `aud` and would otherwise
 * pass), and the caller's groups and zone scope.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ForbiddenError, UnauthorizedError } from './errors.ts';
import { type Role, RoleSchema, ZONES_CLAIM } from './roles.ts';

export interface Caller {
  /** Cognito's stable user id. */
  sub: string;
  username: string;
  /** The caller's Cognito groups that are roles of this API. */
  roles: Role[];
  /** Zone ids the caller is scoped to (zone managers and zone officials); empty for others. */
  zones: string[];
}

type Claims = Record<string, string | number | boolean | string[]>;

/**
 * A list claim as API Gateway passes it: a JSON array in tests and some integrations, or the
 * authorizer's flattened form `[a b c]` for arrays, or a comma-separated string (custom attributes).
 */
export function listClaim(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String).filter((v) => v !== '');
  if (typeof value !== 'string') return [];
  const text = value.trim();
  const inner = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  return inner
    .split(/[\s,]+/)
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function claimsOf(event: APIGatewayProxyEventV2): Claims | undefined {
  const context = event.requestContext as { authorizer?: { jwt?: { claims?: Claims } } };
  return context.authorizer?.jwt?.claims;
}

/** The verified caller; UnauthorizedError when there are no claims or they are not an access token's. */
export function callerFromEvent(event: APIGatewayProxyEventV2): Caller {
  const claims = claimsOf(event);
  if (!claims) throw new UnauthorizedError('an access token is required (Authorization: Bearer …)');
  if (claims.token_use !== 'access') {
    throw new UnauthorizedError('the token is not an access token (token_use must be "access")');
  }
  const sub = claims.sub;
  if (typeof sub !== 'string' || sub === '') throw new UnauthorizedError('the token has no subject');
  const roles = listClaim(claims['cognito:groups']).flatMap((g) => {
    const role = RoleSchema.safeParse(g);
    return role.success ? [role.data] : [];
  });
  return {
    sub,
    username: typeof claims.username === 'string' ? claims.username : sub,
    roles,
    zones: listClaim(claims[ZONES_CLAIM]),
  };
}

/** Throws ForbiddenError unless the caller has one of `allowed` (admins pass every role check). */
export function requireRole(caller: Caller, allowed: readonly Role[]): void {
  if (caller.roles.includes('admin')) return;
  if (!caller.roles.some((r) => allowed.includes(r))) {
    throw new ForbiddenError(
      `this route is for ${allowed.join(', ')}; the caller has ${caller.roles.join(', ') || 'no role'}`,
    );
  }
}
