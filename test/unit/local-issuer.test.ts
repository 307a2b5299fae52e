/**
 * The local issuer's JWT checks as API Gateway's authorizer makes them, and its memory of verified
 * signatures: a token it has accepted once is still refused when its time or issuer no longer fit, when
 * the rules of the route differ (audience, scopes), or when a single character of it changes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InsufficientScopeError, LocalIssuer, TokenRejectedError } from '#local/auth/issuer.ts';

const ISS = 'http://127.0.0.1:1/local-cognito/Pool';
const rules = { issuer: ISS, audience: ['client-a'] };
const dir = mkdtempSync(join(tmpdir(), 'issuer-'));
let clock = 1_800_000_000;
let issuer: LocalIssuer;

beforeAll(async () => {
  issuer = await LocalIssuer.open({ keyDir: dir, users: [], now: () => clock });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const claims = (extra: Record<string, unknown> = {}) => ({
  sub: 'u-1',
  iss: ISS,
  client_id: 'client-a',
  token_use: 'access',
  scope: 'aws.cognito.signin.user.admin',
  iat: clock,
  exp: clock + 60,
  ...extra,
});

describe('LocalIssuer.verify', () => {
  it('accepts a token again and again, then refuses it once the clock passes its exp', async () => {
    const token = await issuer.sign(claims());
    expect((await issuer.verify(token, rules)).sub).toBe('u-1');
    clock += 59;
    expect((await issuer.verify(token, rules)).sub).toBe('u-1');
    clock += 1;
    await expect(issuer.verify(token, rules)).rejects.toThrow(/"exp" claim timestamp check failed/);
  });

  it('refuses a token before its nbf and accepts it from then on', async () => {
    const token = await issuer.sign(claims({ nbf: clock + 10 }));
    await expect(issuer.verify(token, rules)).rejects.toThrow(/"nbf" claim timestamp check failed/);
    clock += 10;
    expect((await issuer.verify(token, rules)).sub).toBe('u-1');
    clock -= 1;
    await expect(issuer.verify(token, rules)).rejects.toThrow(/"nbf" claim timestamp check failed/);
  });

  it("refuses a token it accepted when a route's rules differ: issuer, audience, scopes", async () => {
    const token = await issuer.sign(claims());
    await issuer.verify(token, rules);
    await expect(issuer.verify(token, { ...rules, issuer: `${ISS}-other` })).rejects.toThrow(
      /unexpected "iss" claim value/,
    );
    await expect(issuer.verify(token, { ...rules, audience: ['client-b'] })).rejects.toThrow(
      /another audience/,
    );
    await expect(issuer.verify(token, { ...rules, scopes: ['zones/write'] })).rejects.toBeInstanceOf(
      InsufficientScopeError,
    );
    expect((await issuer.verify(token, rules)).sub).toBe('u-1');
  });

  it('refuses a token whose signature or claims were changed after one like it was accepted', async () => {
    const token = await issuer.sign(claims());
    await issuer.verify(token, rules);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('A') ? 'B' : 'A'}${signature.slice(-1)}`;
    await expect(issuer.verify(`${header}.${payload}.${flipped}`, rules)).rejects.toBeInstanceOf(
      TokenRejectedError,
    );
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: 'someone-else' }),
    ).toString('base64url');
    await expect(issuer.verify(`${header}.${forged}.${signature}`, rules)).rejects.toBeInstanceOf(
      TokenRejectedError,
    );
  });

  it('gives claims that a caller cannot change for the next request', async () => {
    const token = await issuer.sign(claims());
    const first = await issuer.verify(token, rules);
    expect(() => {
      (first as Record<string, unknown>).sub = 'changed';
    }).toThrow(TypeError);
    expect((await issuer.verify(token, rules)).sub).toBe('u-1');
  });
});
