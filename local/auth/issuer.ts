/**
 * The local OpenID issuer standing in for Cognito. One RS256 key pair, kept in the data dir (so tokens
 * stay valid across a restart), signs tokens shaped like Cognito's: access tokens with `client_id`,
 * `token_use: "access"`, `cognito:groups`, `scope`, `username` and the zone scope claim (as the
 * pre-token-generation trigger adds it on AWS); ID tokens with `aud`, `token_use: "id"`. Each user pool
 * of the template has its own issuer URL (`<gateway>/local-cognito/<pool>`), discovery document and
 * JWKS. Signing and verifying are jose's; nothing here parses a JWT by hand.
 */
import { createHash, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';
import { ZONES_CLAIM } from '#shared/http/roles.ts';
import { BoundedMap } from '../bounded-map.ts';
import type { DemoUser } from './demo-users.ts';

/** Seconds an access or ID token lives (Cognito's default is one hour). */
export const TOKEN_LIFETIME_SECONDS = 3600;

export interface IssuedTokens {
  accessToken: string;
  idToken: string;
  expiresIn: number;
  tokenType: 'Bearer';
}

/** A sign-in that failed: unknown user or wrong password (Cognito's NotAuthorizedException). */
export class NotAuthorizedError extends Error {
  override readonly name = 'NotAuthorizedException';
}

/** Why a token was refused (401), as API Gateway's authorizer would refuse it. */
export class TokenRejectedError extends Error {
  override readonly name = 'TokenRejectedError';
}

/** A valid token without any of the route's authorization scopes (API Gateway answers 403). */
export class InsufficientScopeError extends Error {
  override readonly name = 'InsufficientScopeError';
}

type SigningKey = Awaited<ReturnType<typeof importJWK>>;

/** How many verified tokens the issuer remembers (the oldest is forgotten first). */
const VERIFIED_TOKENS = 1000;

/**
 * jose's checks of a verified token's time and issuer, at `now` (seconds): `iss` equal, not expired
 * (`exp` after now), not before its `nbf`. A token failing any of them goes through jwtVerify again.
 */
function stillValid(payload: JWTPayload, issuer: string, now: number): boolean {
  if (payload.iss !== issuer) return false;
  if (payload.exp !== undefined && !(now < payload.exp)) return false;
  if (payload.nbf !== undefined && !(payload.nbf <= now)) return false;
  return true;
}

interface StoredKey {
  privateJwk: JWK;
  publicJwk: JWK;
}

async function loadOrCreateKey(dir: string): Promise<StoredKey> {
  const file = join(dir, 'signing-key.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as StoredKey;
  mkdirSync(dir, { recursive: true });
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID();
  const stored: StoredKey = {
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' },
  };
  writeFileSync(file, JSON.stringify(stored), { mode: 0o600 });
  chmodSync(file, 0o600);
  return stored;
}

/** A stable, UUID-shaped `sub` per user name, so an investor's applications survive a restart. */
export function localSub(username: string): string {
  const h = createHash('sha256').update(`local-cognito:${username}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface LocalIssuerOptions {
  /** Folder for the signing key (e.g. `<DATA_DIR>/auth`). */
  keyDir: string;
  users: readonly DemoUser[];
  /** Injectable clock (seconds since the epoch) for expiry tests. */
  now?: () => number;
}

export class LocalIssuer {
  /**
   * The JWKS as a verifier, made once: jose imports a key on first use and keeps it in the set, so a
   * set built per request re-imported the RSA key every time (API Gateway caches the issuer's keys too).
   */
  private readonly keySet: ReturnType<typeof createLocalJWKSet>;
  /**
   * Tokens whose RS256 signature this issuer has checked, with their claims (the last VERIFIED_TOKENS
   * seen). The key set never changes while the issuer runs, so a signature checked once stays checked;
   * the signature was ~0.2 ms of the gateway's CPU per authorized request, as jose's claims checks are not.
   */
  private readonly verified = new BoundedMap<string, Readonly<JWTPayload>>(VERIFIED_TOKENS);

  private constructor(
    private readonly key: StoredKey,
    private readonly signingKey: SigningKey,
    private readonly users: readonly DemoUser[],
    private readonly now: () => number,
  ) {
    this.keySet = createLocalJWKSet(this.jwks());
  }

  static async open(options: LocalIssuerOptions): Promise<LocalIssuer> {
    const key = await loadOrCreateKey(options.keyDir);
    const signingKey = await importJWK(key.privateJwk, 'RS256');
    return new LocalIssuer(
      key,
      signingKey,
      options.users,
      options.now ?? (() => Math.floor(Date.now() / 1000)),
    );
  }

  get demoUsers(): readonly DemoUser[] {
    return this.users;
  }

  jwks(): JSONWebKeySet {
    return { keys: [this.key.publicJwk] };
  }

  /** The OpenID discovery document of one issuer URL. */
  discovery(issuer: string): Record<string, unknown> {
    return {
      issuer,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      token_endpoint: `${issuer.replace(/\/local-cognito\/.*$/, '')}/auth/token`,
      response_types_supported: ['token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['none'],
      claims_supported: ['sub', 'cognito:groups', 'username', 'token_use', 'client_id', ZONES_CLAIM],
    };
  }

  /** Signs a token with any claims: for tests that need expired, foreign or odd tokens. */
  async sign(claims: JWTPayload, header: { kid?: string } = {}): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: header.kid ?? String(this.key.publicJwk.kid) })
      .sign(this.signingKey);
  }

  /** Cognito's sign-in: an access and an ID token for a demo user, or NotAuthorizedError. */
  async signIn(username: string, password: string, issuer: string, clientId: string): Promise<IssuedTokens> {
    const user = this.users.find((u) => u.username === username);
    if (!user || user.password !== password) throw new NotAuthorizedError('Incorrect username or password.');
    return this.tokensFor(user, issuer, clientId);
  }

  async tokensFor(user: DemoUser, issuer: string, clientId: string, lifetime = TOKEN_LIFETIME_SECONDS) {
    const iat = this.now();
    const exp = iat + lifetime;
    const sub = localSub(user.username);
    const groups = [user.role];
    const zones = user.scope.join(',');
    const common = { sub, iss: issuer, 'cognito:groups': groups, auth_time: iat, iat, exp };
    const accessToken = await this.sign({
      ...common,
      client_id: clientId,
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin',
      username: user.username,
      jti: randomUUID(),
      ...(zones ? { [ZONES_CLAIM]: zones } : {}),
    });
    const idToken = await this.sign({
      ...common,
      aud: clientId,
      token_use: 'id',
      'cognito:username': user.username,
      email: `${user.username}@demo.local`,
      ...(zones ? { [ZONES_CLAIM]: zones } : {}),
    });
    return { accessToken, idToken, expiresIn: lifetime, tokenType: 'Bearer' as const };
  }

  /**
   * API Gateway's JWT authorizer rules: RS256 signature by a key of the issuer's JWKS, `iss` equal to
   * the configured issuer, `exp`/`nbf` valid, `aud` (or, when absent, `client_id`) one of the
   * audiences, and each required scope present. Returns the verified claims.
   */
  async verify(
    token: string,
    rules: { issuer: string; audience: readonly string[]; scopes?: readonly string[] },
  ): Promise<JWTPayload> {
    const now = this.now();
    let payload = this.verified.get(token);
    // A token seen before skips its signature check, never its time and issuer checks: when one of them
    // fails, it is verified in full again so that the refusal is jose's.
    if (!payload || !stillValid(payload, rules.issuer, now)) {
      this.verified.delete(token);
      try {
        ({ payload } = await jwtVerify(token, this.keySet, {
          issuer: rules.issuer,
          algorithms: ['RS256'],
          currentDate: new Date(now * 1000),
        }));
      } catch (error) {
        throw new TokenRejectedError(`the token is not valid: ${(error as Error).message}`);
      }
      Object.freeze(payload);
      this.verified.set(token, payload);
    }
    const aud = payload.aud ?? payload.client_id;
    const audiences = Array.isArray(aud) ? aud : [aud];
    if (!audiences.some((a) => typeof a === 'string' && rules.audience.includes(a))) {
      throw new TokenRejectedError('the token is for another audience');
    }
    if (rules.scopes && rules.scopes.length > 0) {
      const granted = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
      if (!rules.scopes.some((s) => granted.includes(s))) {
        throw new InsufficientScopeError(`the token has none of the scopes ${rules.scopes.join(', ')}`);
      }
    }
    return payload;
  }
}
