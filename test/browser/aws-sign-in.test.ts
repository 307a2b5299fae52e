/**
 * The console's AWS build signing in as it would on AWS, in a real browser: the build CDK deploys (no
 * demo users, no password form), a `config.json` shaped as the deployment writes it, and a stand-in for
 * Cognito's managed login that speaks its protocol (`test/helpers/cognito-stand-in.ts`) in front of the
 * local cloud (real gateway and JWT rules, Lambdas, DynamoDB Local). Sign-in is the authorization-code
 * grant with PKCE: the redirect, the state check, the code exchange, the inbox loading with the token;
 * renewal with the refresh token before the access token expires, and signing in again once it cannot;
 * sign-out revoking the refresh token and ending managed login's session at /logout.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cognitoResources, localIssuerUrl } from '#local/auth/mapping.ts';
import { freePort } from '#local/dynamodb/launcher.ts';
import { type LocalGateway, startGateway } from '#local/gateway/server.ts';
import { staticSite } from '#local/gateway/static.ts';
import { buildConsole } from '../../web/build.ts';
import { type CognitoStandIn, startCognitoStandIn } from '../helpers/cognito-stand-in.ts';
import { type ApiHarness, startApiHarness } from '../integration/api-harness.ts';
import { axeViolations, chromiumPath, DESKTOP, settled } from './helpers.ts';

const OFFICER = 'officer-zone-board';

let api: ApiHarness;
let cognito: CognitoStandIn;
let gateway: LocalGateway;
let browser: Browser;
let url: string;
let clientId: string;
const contexts: BrowserContext[] = [];
const errors = new WeakMap<Page, string[]>();

beforeAll(async () => {
  api = await startApiHarness();
  const built = buildConsole({ outDir: join(api.outdir, 'console-aws'), mode: 'aws' });
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const client = cognitoResources(api.template).clients[0];
  if (!client) throw new Error('the template has no Cognito app client');
  clientId = client.id;
  cognito = await startCognitoStandIn({
    issuer: api.issuer,
    issuerUrl: localIssuerUrl(url, client.pool),
    clientId,
    callbackUrls: [`${url}/`],
    logoutUrls: [`${url}/`],
    allowedOrigins: [url],
  });
  // As infra/constructs/console.ts writes it on AWS (the API on the same origin here).
  const config = {
    apiUrl: '',
    auth: {
      kind: 'cognito',
      domain: cognito.url,
      clientId,
      redirectUri: `${url}/`,
      logoutUri: `${url}/`,
      scopes: ['openid', 'email', 'profile'],
    },
  };
  gateway = await startGateway(
    port,
    async () => ({}),
    api.options,
    staticSite(built.outDir, config, { connect: [cognito.url] }),
  );
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
}, 900_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await gateway?.close();
  await cognito?.close();
  await api?.close();
});

/** A fresh browser context; `fakeClock` installs Playwright's clock so time can be jumped. */
async function newPage(fakeClock = false): Promise<Page> {
  const context = await browser.newContext({ viewport: DESKTOP, locale: 'vi-VN' });
  contexts.push(context);
  const page = await context.newPage();
  const list: string[] = [];
  errors.set(page, list);
  page.on('pageerror', (e) => list.push(e.message));
  if (fakeClock) await page.clock.install();
  return page;
}

interface StoredSession {
  token: string;
  expiresAt: number;
  refreshToken?: string;
}

/** The console's session as it keeps it in sessionStorage (none: null). */
async function stored(page: Page): Promise<StoredSession | null> {
  const raw = await page.evaluate<string | null>("sessionStorage.getItem('console.session')");
  return raw ? (JSON.parse(raw) as StoredSession) : null;
}

/** From a page that redirected to the sign-in page: through managed login's form as `username`. */
async function signInThroughManagedLogin(page: Page, username: string): Promise<void> {
  await page.click('[data-testid="managed-sign-in"]');
  await page.waitForURL(`${cognito.url}/oauth2/authorize?**`);
  const password = api.issuer.demoUsers.find((u) => u.username === username)?.password ?? '';
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('button[type="submit"]');
  await page.waitForSelector('[data-testid="signed-in-user"]');
  await settled(page);
}

describe('the AWS build signing in with Cognito managed login (stand-in)', { timeout: 180_000 }, () => {
  it('has no password form and no demo users; the sign-in page passes axe', async () => {
    const page = await newPage();
    await page.goto(`${url}/#/sign-in`);
    await settled(page);
    expect(await page.locator('input[type="password"]').count()).toBe(0);
    expect(await page.locator('[data-username]').count()).toBe(0);
    expect(await page.locator('[data-testid="managed-sign-in"]').isVisible()).toBe(true);
    expect(await axeViolations(page)).toEqual([]);
    expect(errors.get(page)).toEqual([]);
  });

  it('signs in by the code grant with PKCE and lands on the page asked for, where the inbox loads', async () => {
    const page = await newPage();
    const tasks: Array<{ status: number; bearer: boolean }> = [];
    page.on('response', (res) => {
      if (new URL(res.url()).pathname === '/tasks')
        tasks.push({
          status: res.status(),
          bearer: /^Bearer /.test(res.request().headers().authorization ?? ''),
        });
    });
    await page.goto(`${url}/#/inbox`);
    await page.waitForURL(/#\/sign-in\?next=%2Finbox$/);
    const before = cognito.authorizeRequests.length;
    await signInThroughManagedLogin(page, OFFICER);

    const authorize = cognito.authorizeRequests[before];
    expect(authorize?.outcome).toBe('form');
    const params = authorize?.params ?? {};
    expect(params).toMatchObject({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: `${url}/`,
      scope: 'openid email profile',
      code_challenge_method: 'S256',
    });
    expect(params.state).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    // Back on the page asked for, the code gone from the address (and from the history).
    expect(new URL(page.url()).search).toBe('');
    expect(new URL(page.url()).hash).toBe('#/inbox');
    expect(await page.evaluate<string | null>("sessionStorage.getItem('console.signIn')")).toBeNull();
    expect(cognito.tokenRequests.at(-1)).toEqual({ grantType: 'authorization_code', status: 200 });

    const session = await stored(page);
    expect(session?.refreshToken).toBeTruthy();
    expect(await page.textContent('[data-testid="signed-in-user"]')).toContain(OFFICER);
    await page.waitForSelector('main h1:not(:empty)');
    expect(tasks.length).toBeGreaterThan(0);
    expect(tasks.every((t) => t.status === 200 && t.bearer)).toBe(true);
    expect(errors.get(page)).toEqual([]);
  });

  it('exchanges nothing for a return whose state this tab did not send', async () => {
    const page = await newPage();
    const exchanges = cognito.tokenRequests.length;
    await page.goto(`${url}/?code=forged-code&state=not-from-here`);
    await page.waitForSelector('[data-testid="sign-in-failed"]');
    expect(new URL(page.url()).search).toBe('');
    expect(cognito.tokenRequests.length).toBe(exchanges);
    expect(await stored(page)).toBeNull();
  });

  it('renews the access token before it expires; once it cannot, the expired session sends the person to sign in again', async () => {
    const page = await newPage(true);
    await page.goto(`${url}/#/inbox`);
    await page.waitForURL(/#\/sign-in/);
    await signInThroughManagedLogin(page, OFFICER);
    const first = await stored(page);
    expect(first).not.toBeNull();

    // 56 minutes later (the laptop slept): the console renews 5 minutes before the hour is up.
    cognito.advance(56 * 60);
    await page.clock.fastForward('56:00');
    await expect.poll(async () => (await stored(page))?.token, { timeout: 30_000 }).not.toBe(first?.token);
    expect(cognito.tokenRequests.at(-1)).toEqual({ grantType: 'refresh_token', status: 200 });
    const renewed = await stored(page);
    expect(renewed?.refreshToken).toBe(first?.refreshToken);
    expect(renewed?.expiresAt).toBeGreaterThan(first?.expiresAt ?? 0);
    // The renewed token is the one the API gets.
    const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/tasks');
    await page.goto(`${url}/#/stats`);
    await settled(page);
    await page.goto(`${url}/#/inbox`);
    const res = await answered;
    expect(res.status()).toBe(200);
    expect(res.request().headers().authorization).toBe(`Bearer ${renewed?.token}`);

    // The refresh token is revoked (an administrator signed the user out everywhere): the renewal is
    // refused, and when the access token expires the person is sent to sign in.
    cognito.revokeAll();
    cognito.advance(56 * 60);
    await page.clock.fastForward('56:00');
    await expect.poll(async () => (await stored(page))?.refreshToken ?? null, { timeout: 30_000 }).toBeNull();
    expect(cognito.tokenRequests.at(-1)).toEqual({ grantType: 'refresh_token', status: 400 });
    cognito.advance(5 * 60);
    await page.clock.fastForward('05:00');
    await page.goto(`${url}/#/stats`);
    await settled(page);
    await page.goto(`${url}/#/inbox`);
    await page.waitForURL(/#\/sign-in\?next=%2Finbox$/);
    // Managed login's own session still knows the person: back with a new code, no password asked.
    const before = cognito.authorizeRequests.length;
    await page.click('[data-testid="managed-sign-in"]');
    await page.waitForSelector('[data-testid="signed-in-user"]');
    await settled(page);
    expect(cognito.authorizeRequests[before]?.outcome).toBe('code');
    expect(new URL(page.url()).hash).toBe('#/inbox');
    expect(errors.get(page)).toEqual([]);
  });

  it('signs out: the refresh token is revoked, managed login’s session ends at /logout, the console says so', async () => {
    const page = await newPage();
    await page.goto(`${url}/#/inbox`);
    await page.waitForURL(/#\/sign-in/);
    await signInThroughManagedLogin(page, OFFICER);
    const session = await stored(page);
    const refreshToken = session?.refreshToken ?? '';
    expect(refreshToken).not.toBe('');

    const logouts = cognito.logouts.length;
    await page.getByRole('button', { name: 'Đăng xuất' }).click();
    await page.waitForURL(`${url}/#/sign-in?signedOut=1`);
    await settled(page);
    expect(await page.locator('.notice').textContent()).toBe('Bạn đã đăng xuất.');
    expect(cognito.logouts[logouts]).toEqual({ client_id: clientId, logout_uri: `${url}/` });
    expect(await stored(page)).toBeNull();
    await expect.poll(() => cognito.revoked.has(refreshToken), { timeout: 10_000 }).toBe(true);
    const refused = await fetch(`${cognito.url}/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: clientId,
        refresh_token: refreshToken,
      }),
    });
    expect(refused.status).toBe(400);

    // Managed login forgot the person too: signing in asks for the password again.
    const before = cognito.authorizeRequests.length;
    await page.click('[data-testid="managed-sign-in"]');
    await page.waitForSelector('#password');
    expect(cognito.authorizeRequests[before]?.outcome).toBe('form');
    expect(errors.get(page)).toEqual([]);
  });

  it('has a stand-in as strict as Cognito: a code is refused with another verifier, and is good once', async () => {
    const verifier = 'v'.repeat(43);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const user = api.issuer.demoUsers.find((u) => u.username === OFFICER);
    const codeFor = async () => {
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: `${url}/`,
        scope: 'openid',
        state: 's',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      const res = await fetch(`${cognito.url}/login`, {
        method: 'POST',
        redirect: 'manual',
        body: new URLSearchParams({
          query: query.toString(),
          username: OFFICER,
          password: user?.password ?? '',
        }),
      });
      return new URL(res.headers.get('location') ?? '').searchParams.get('code') ?? '';
    };
    const exchange = (code: string, codeVerifier: string) =>
      fetch(`${cognito.url}/oauth2/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: clientId,
          code,
          redirect_uri: `${url}/`,
          code_verifier: codeVerifier,
        }),
      });
    expect((await exchange(await codeFor(), 'w'.repeat(43))).status).toBe(400);
    const code = await codeFor();
    expect((await exchange(code, verifier)).status).toBe(200);
    expect((await exchange(code, verifier)).status).toBe(400);
  });
});
