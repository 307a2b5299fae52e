import Ajv2020 from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '#local/dynamodb/launcher.ts';
import { startGateway } from '#local/gateway/server.ts';
import { loadCatalog } from '#shared/catalog/index.ts';
import { routeKey } from '#shared/http/route.ts';
import { ROUTES } from '#shared/http/routes.ts';
import { type ApiHarness, startApiHarness } from './api-harness.ts';

let h: ApiHarness;
let openapi: Record<string, unknown>;
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });

beforeAll(async () => {
  h = await startApiHarness();
  openapi = (await (await fetch(`${h.gateway.url}/openapi.json`)).json()) as Record<string, unknown>;
  ajv.addSchema({ ...openapi, $id: 'api' });
}, 600_000);
afterAll(async () => h?.close());

const pointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/** Fetches and checks the response against the OpenAPI document's schema for its route and status. */
async function call(method: string, path: string, route: string, init: RequestInit = {}) {
  const res = await fetch(`${h.gateway.url}${path}`, { method, ...init });
  const text = await res.text();
  const body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  const type = (res.headers.get('content-type') ?? '').split(';')[0] as string;
  const ref = `api#/paths/${pointer(route)}/${method.toLowerCase()}/responses/${res.status}/content/${pointer(type)}/schema`;
  const validate = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref });
  if (!validate(body)) {
    throw new Error(
      `${method} ${path} ${res.status} does not match ${ref}: ${ajv.errorsText(validate.errors)}`,
    );
  }
  return { status: res.status, headers: res.headers, body: body as Record<string, unknown> };
}

describe('the local gateway serving the template’s HTTP API', () => {
  it('serves every route of the template, and the OpenAPI document lists each of them', () => {
    const templateRoutes = Object.values(h.template.Resources ?? {})
      .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')
      .map((r) => String(r.Properties?.RouteKey))
      .sort();
    expect(templateRoutes).toEqual(ROUTES.map(routeKey).sort());
    expect(h.gateway.api?.routes.map((r) => r.routeKey).sort()).toEqual(templateRoutes);
    const paths = openapi.paths as Record<string, Record<string, unknown>>;
    for (const key of templateRoutes) {
      const [method, path] = key.split(' ') as [string, string];
      expect(paths[path]?.[method.toLowerCase()], key).toBeDefined();
    }
    expect(openapi.openapi).toBe('3.1.0');
  });

  it('GET /zones lists every zone of the catalog, and filters by kind', async () => {
    const all = await call('GET', '/zones', '/zones');
    expect(all.status).toBe(200);
    expect((all.body.items as unknown[]).length).toBe(loadCatalog().zones.length);
    const ccn = await call('GET', '/zones?kind=CCN', '/zones');
    const items = ccn.body.items as Array<{ kind: string }>;
    expect(items.length).toBe(loadCatalog().zones.filter((z) => z.kind === 'CCN').length);
    expect(items.every((z) => z.kind === 'CCN')).toBe(true);
    expect(all.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('GET /zones/{id} answers the zone with its live occupancy, 404 for an unknown id, 400 for a malformed one', async () => {
    const zone = await call('GET', '/zones/kcn-dong-pho-moi', '/zones/{id}');
    expect(zone.status).toBe(200);
    expect((zone.body.zone as { id: string }).id).toBe('kcn-dong-pho-moi');
    const occupancy = zone.body.occupancy as { totalPlots: number; sample: boolean };
    expect(occupancy.totalPlots).toBe(
      loadCatalog().plots.filter((p) => p.zoneId === 'kcn-dong-pho-moi').length,
    );
    expect(occupancy.sample).toBe(true);
    const missing = await call('GET', '/zones/kcn-nowhere', '/zones/{id}');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    const bad = await call('GET', '/zones/Not%20An%20Id', '/zones/{id}');
    expect(bad.status).toBe(400);
    expect((bad.body.errors as Array<{ path: string }>).map((e) => e.path)).toEqual(['path.id']);
  });

  it('GET /stats gives live figures flagged as sample beside the article’s figures and targets', async () => {
    const stats = await call('GET', '/stats', '/stats');
    expect(stats.status).toBe(200);
    const live = stats.body.live as { sample: boolean; province: { zoneCount: number } };
    expect(live.sample).toBe(true);
    expect(live.province.zoneCount).toBe(loadCatalog().zones.length);
    const targets = stats.body.targets as Record<
      string,
      Record<string, { value: number; qualifier: string }>
    >;
    expect(targets.industrialProductionValueBnVnd?.target2025).toMatchObject({
      value: 60_000,
      qualifier: 'exactly',
    });
    expect(targets.industrialProductionValueBnVnd?.target2030).toMatchObject({
      value: 100_000,
      qualifier: 'over',
    });
    const kcn = (stats.body.sourced as Record<string, Record<string, { value: number }>>)['article-kcn-2021'];
    expect(kcn?.projects?.value).toBe(161);
    expect(kcn?.registeredCapitalBnVnd?.value).toBe(25_600);
    expect(kcn?.jobs?.value).toBe(7000);
  });

  it('answers 404 as a problem for a path no route has', async () => {
    const res = await fetch(`${h.gateway.url}/nowhere`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('answers a CORS preflight from the template’s CORS configuration', async () => {
    const res = await fetch(`${h.gateway.url}/zones`, {
      method: 'OPTIONS',
      headers: { origin: 'https://console.example', 'access-control-request-method': 'GET' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-headers')).toContain('authorization');
  });

  it('answers 413 as a problem for a body over 64 KiB, and 400 for any body on a route that takes none', async () => {
    const big = await rawRequest('GET', '/zones', 'x'.repeat(64 * 1024 + 1));
    expect(big.status).toBe(413);
    expect(big.contentType).toBe('application/problem+json');
    const small = await rawRequest('GET', '/zones', '{}');
    expect(small.status).toBe(400);
    expect(JSON.parse(small.body).errors[0].path).toBe('body');
  });

  it('reads a chunked body (no Content-Length) as a body, and Content-Length 0 as none', async () => {
    // The gateway skips reading requests that announce no body; a chunked one still announces it.
    const { request } = await import('node:http');
    const chunked = await new Promise<{ status: number; body: string }>((ok, fail) => {
      const req = request(
        `${h.gateway.url}/zones`,
        { method: 'GET', headers: { 'transfer-encoding': 'chunked' } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => {
            text += c.toString();
          });
          res.on('end', () => ok({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', fail);
      // No Content-Length: the body's length is known from its chunks only.
      req.write('{');
      req.end('}');
    });
    expect(chunked.status).toBe(400);
    expect(JSON.parse(chunked.body).errors[0]).toMatchObject({ path: 'body', rule: 'not_allowed' });
    const empty = await rawRequest('GET', '/zones', '');
    expect(empty.status).toBe(200);
  });
});

describe('throttling from the template’s stage settings', () => {
  it('answers 429 with Retry-After once a route’s burst is spent, each route with its own bucket', async () => {
    const template = structuredClone(h.template);
    for (const r of Object.values(template.Resources ?? {})) {
      if (r.Type === 'AWS::ApiGatewayV2::Stage' && r.Properties) {
        r.Properties.DefaultRouteSettings = { ThrottlingRateLimit: 1, ThrottlingBurstLimit: 3 };
      }
    }
    // The clock stands still, so no token comes back during the test.
    const gw = await startGateway(await freePort(), async () => ({}), {
      ...h.options,
      template,
      now: () => 1_000_000,
    });
    try {
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 5; i++) {
        last = await fetch(`${gw.url}/openapi.json`);
        statuses.push(last.status);
        if (last.status !== 429) await last.arrayBuffer();
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      expect(last?.headers.get('retry-after')).toBe('1');
      expect(last?.headers.get('content-type')).toBe('application/problem+json');
      const problem = last ? ((await last.json()) as { status: number }) : undefined;
      expect(problem?.status).toBe(429);
      expect((await fetch(`${gw.url}/stats`)).status).toBe(200);
    } finally {
      await gw.close();
    }
  });
});

/** A request with a body on any method (fetch will not send one with GET). */
async function rawRequest(method: string, path: string, body: string, headers: Record<string, string> = {}) {
  const { request } = await import('node:http');
  return new Promise<{ status: number; contentType: string; body: string }>((ok, fail) => {
    const req = request(
      `${h.gateway.url}${path}`,
      {
        method,
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString();
        });
        res.on('end', () =>
          ok({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), body: text }),
        );
      },
    );
    req.on('error', fail);
    req.end(body);
  });
}

describe('sign-in and the JWT authorizer', () => {
  const officer = 'officer-zone-board';

  it('lists the demo users, one or more per role, with zone scopes from the catalog', async () => {
    const res = await fetch(`${h.gateway.url}/auth/demo-users`);
    const { users } = (await res.json()) as {
      users: Array<{ username: string; password: string; role: string; scope: string[] }>;
    };
    const roles = new Set(users.map((u) => u.role));
    for (const role of [
      'investor',
      'zone-board-officer',
      'environment-officer',
      'provincial-officer',
      'zone-manager',
      'admin',
    ]) {
      expect(roles.has(role), role).toBe(true);
    }
    const zoneIds = new Set(loadCatalog().zones.map((z) => z.id));
    for (const u of users.filter((u) => u.role === 'zone-manager')) {
      expect(u.scope.length).toBeGreaterThan(0);
      for (const z of u.scope) expect(zoneIds.has(z)).toBe(true);
    }
  });

  it('issues tokens for a right password only, and serves the discovery document and JWKS of the issuer', async () => {
    const wrong = await fetch(`${h.gateway.url}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: officer, password: 'nope-nope' }),
    });
    expect(wrong.status).toBe(401);
    const token = await h.token(officer);
    const [, payload] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload as string, 'base64url').toString()) as {
      iss: string;
      token_use: string;
    };
    expect(claims.token_use).toBe('access');
    const discovery = (await (await fetch(`${claims.iss}/.well-known/openid-configuration`)).json()) as {
      issuer: string;
      jwks_uri: string;
    };
    expect(discovery.issuer).toBe(claims.iss);
    const jwks = (await (await fetch(discovery.jwks_uri)).json()) as {
      keys: Array<{ kty: string; alg: string; d?: string }>;
    };
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256' });
    expect(jwks.keys[0]?.d).toBeUndefined();
  });

  it('keeps the local sign-in routes out of the synthesized template', () => {
    const text = JSON.stringify(h.template);
    expect(text).not.toContain('/auth/token');
    expect(text).not.toContain('/auth/demo-users');
    expect(text).not.toContain('local-cognito');
  });

  it('lets an official read their inbox, sorted by due date, and never shows a task token', async () => {
    await h.repository.createTask({
      applicationId: 'app-inbox-1',
      taskId: 't2',
      role: 'zone-board-officer',
      scope: 'kcn-dong-pho-moi',
      dueAt: '2027-03-02T00:00:00.000Z',
      taskToken: 'secret-token',
    });
    await h.repository.createTask({
      applicationId: 'app-inbox-2',
      taskId: 't1',
      role: 'zone-board-officer',
      scope: 'kcn-dong-pho-moi',
      dueAt: '2027-03-01T00:00:00.000Z',
      taskToken: 'secret-token',
    });
    const token = await h.token(officer);
    const res = await call('GET', '/tasks?scope=kcn-dong-pho-moi', '/tasks', {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    const items = res.body.items as Array<{ taskId: string }>;
    expect(items.map((t) => t.taskId)).toEqual(['t1', 't2']);
    expect(JSON.stringify(res.body)).not.toContain('secret-token');
  });

  it('answers 403 to an investor on an official’s route, and to an official outside their scope', async () => {
    const investor = await call('GET', '/tasks', '/tasks', {
      headers: { authorization: `Bearer ${await h.token('investor-an')}` },
    });
    expect(investor.status).toBe(403);
    const outside = await call('GET', '/tasks?scope=kcn-vo-lao', '/tasks', {
      headers: { authorization: `Bearer ${await h.token('officer-environment-tang-loong')}` },
    });
    expect(outside.status).toBe(403);
  });

  it('answers 401 to a missing, tampered, expired, wrong-issuer, wrong-audience or ID token', async () => {
    const user = {
      username: officer,
      password: '',
      role: 'zone-board-officer' as const,
      scope: ['kcn-dong-pho-moi'],
    };
    const good = await h.token(officer);
    const claims = JSON.parse(Buffer.from(good.split('.')[1] as string, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    const iss = String(claims.iss);
    const clientId = String(claims.client_id);
    const now = Math.floor(Date.now() / 1000);
    const [head, , sig] = good.split('.') as [string, string, string];
    const tamperedBody = Buffer.from(JSON.stringify({ ...claims, 'cognito:groups': ['admin'] })).toString(
      'base64url',
    );
    const tokens: Record<string, string | undefined> = {
      missing: undefined,
      garbage: 'not-a-jwt',
      tampered: `${head}.${tamperedBody}.${sig}`,
      expired: await h.issuer.sign({ ...claims, iat: now - 7200, exp: now - 3600 }),
      wrongIssuer: await h.issuer.sign({
        ...claims,
        iss: 'https://cognito-idp.ap-southeast-1.amazonaws.com/elsewhere',
      }),
      wrongAudience: await h.issuer.sign({ ...claims, client_id: 'another-client' }),
      idToken: (await h.issuer.tokensFor(user, iss, clientId)).idToken,
    };
    for (const [name, token] of Object.entries(tokens)) {
      const res = await call(
        'GET',
        '/tasks',
        '/tasks',
        token ? { headers: { authorization: `Bearer ${token}` } } : {},
      );
      expect(res.status, name).toBe(401);
      expect(res.headers.get('content-type'), name).toBe('application/problem+json');
    }
    const ok = await call('GET', '/tasks', '/tasks', { headers: { authorization: `Bearer ${good}` } });
    expect(ok.status).toBe(200);
  });
});

describe('fuzzing every path parameter, query string and body of the routes (property)', () => {
  it('always answers a 4xx problem, never a 5xx, and writes nothing', async () => {
    const before = await h.snapshot();
    const officerToken = await h.token('officer-zone-board');
    const investorToken = await h.token('investor-an');
    const text = fc.string({ maxLength: 40 });
    const query = fc.dictionary(
      fc.constantFrom('kind', 'status', 'role', 'scope', 'limit', 'cursor', 'x', ''),
      text,
      { maxKeys: 4 },
    );
    const request = fc.record({
      route: fc.constantFrom(
        '/zones',
        '/zones/{id}',
        '/stats',
        '/openapi.json',
        '/tasks',
        '/applications',
        '/applications/{id}',
        '/applications/{id}/timeline',
        '/tasks/{id}',
        '/zones/{id}/plots',
        '/zones/{id}/holds',
      ),
      id: text,
      query,
      body: fc.option(fc.oneof(fc.json(), text), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ route, id, query, body }) => {
        const qs = new URLSearchParams(query).toString();
        const path = route.replace('{id}', encodeURIComponent(id) || '%20') + (qs ? `?${qs}` : '');
        const headers: Record<string, string> =
          // The officials' and zone managers' routes are fuzzed with every method and body, as each of
          // their users, in api-officials.test.ts; here their GET routes as an official.
          route.startsWith('/tasks') || /\/(plots|holds)$/.test(route)
            ? { authorization: `Bearer ${officerToken}` }
            : route.startsWith('/applications')
              ? { authorization: `Bearer ${investorToken}` }
              : {};
        const res =
          body === undefined
            ? await fetch(`${h.gateway.url}${path}`, { headers })
            : await rawRequest('GET', path, body, headers);
        const status = res.status;
        expect(status, `${path} ${String(body)}`).toBeLessThan(500);
        if (status >= 400) {
          const type = 'contentType' in res ? res.contentType : res.headers.get('content-type');
          expect(type).toBe('application/problem+json');
        }
        if (!('contentType' in res)) await res.arrayBuffer();
      }),
      { numRuns: 150 },
    );
    expect(await h.snapshot()).toBe(before);
  }, 300_000);
});
