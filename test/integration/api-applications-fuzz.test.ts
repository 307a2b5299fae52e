/**
 * Fuzzing the investors' routes that take a body (property): `POST /applications` (with and without an
 * Idempotency-Key, with malformed keys, with enquiries that have one field broken), `POST
 * /applications/{id}/responses` and `POST /applications/{id}/withdraw`, with any path id, query string and
 * method, as an investor, an official and nobody. Always a 4xx problem (`application/problem+json`),
 * never a 5xx, and the tables unchanged. On the local cloud (the real gateway, route Lambdas, engine and
 * DynamoDB Local); a harness of its own, so no workflow is moving while the tables are compared. The GET
 * routes are fuzzed in api-gateway.test.ts, the officials' and zone managers' in api-officials.test.ts.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { domesticEnquiry } from '../../scripts/journey.ts';
import { type ApiHarness, startApiHarness } from './api-harness.ts';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness({
    throttle: 'none',
    workflow: { clock: { start: Date.now() }, lambdaEnv: { POWERTOOLS_LOG_LEVEL: 'ERROR' } },
  });
}, 1_200_000);
afterAll(async () => h?.close());

/** The valid enquiry with one field (found by a path of keys) replaced by `value`. */
function broken(path: string[], value: unknown): unknown {
  const copy = structuredClone(domesticEnquiry()) as Record<string, unknown>;
  let node: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object') return copy;
    node = next as Record<string, unknown>;
  }
  node[path.at(-1) as string] = value;
  return copy;
}

/** The key paths of the valid enquiry, so a broken enquiry breaks a field that exists. */
function keyPaths(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  return [
    ...(prefix.length ? [prefix] : []),
    ...Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => keyPaths(v, [...prefix, k])),
  ];
}

describe('fuzzing the investors’ routes with a body (property)', () => {
  it('answers a 4xx problem, never a 5xx, and writes nothing', async () => {
    const before = await h.snapshot();
    const tokens = {
      investor: await h.token('investor-an'),
      official: await h.token('officer-zone-board'),
    };
    const text = fc.string({ maxLength: 40 });
    const paths = keyPaths(domesticEnquiry());
    const body = fc.oneof(
      fc.json().map((j) => ({ raw: j })),
      text.map((t) => ({ raw: t })),
      fc
        .record({ reason: fc.oneof(text, fc.integer(), fc.constant(null)) })
        .map((b) => ({ raw: JSON.stringify(b) })),
      fc
        .record({ answer: fc.oneof(text, fc.integer()), taskId: fc.option(text, { nil: undefined }) })
        .map((b) => ({
          raw: JSON.stringify(b),
        })),
      // An enquiry with one field replaced: mostly invalid; when it happens to stay valid, the key below
      // (absent or malformed) still refuses it, so no request here may create an application.
      fc
        .tuple(fc.constantFrom(...paths), fc.oneof(fc.jsonValue(), fc.constant(undefined)))
        .map(([path, value]) => ({ raw: JSON.stringify(broken(path, value)) })),
    );
    const request = fc.record({
      method: fc.constantFrom('POST', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH'),
      route: fc.constantFrom('/applications', '/applications/{id}/responses', '/applications/{id}/withdraw'),
      id: text,
      query: fc.dictionary(fc.constantFrom('limit', 'cursor', 'x', ''), text, { maxKeys: 3 }),
      body: fc.option(body, { nil: undefined }),
      key: fc.option(fc.oneof(text, fc.constant('not a key!'), fc.constant('short')), { nil: undefined }),
      as: fc.constantFrom('investor', 'investor', 'official', 'nobody') as fc.Arbitrary<
        'investor' | 'official' | 'nobody'
      >,
      contentType: fc.constantFrom('application/json', 'application/json', 'text/plain', ''),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const qs = new URLSearchParams(r.query).toString();
        const path = r.route.replace('{id}', encodeURIComponent(r.id) || '%20') + (qs ? `?${qs}` : '');
        const headers: Record<string, string> = {};
        if (r.as !== 'nobody') headers.authorization = `Bearer ${tokens[r.as]}`;
        if (r.contentType) headers['content-type'] = r.contentType;
        // Only malformed keys (a valid one would let a valid body through): empty, short, or with a space.
        if (r.key !== undefined && !/^[A-Za-z0-9_.:-]{8,128}$/.test(r.key))
          headers['idempotency-key'] = r.key;
        const res = await fetch(`${h.gateway.url}${path}`, {
          method: r.method,
          headers,
          ...(r.body !== undefined ? { body: r.body.raw } : {}),
        });
        const answer = await res.text();
        const label = `${r.method} ${path} as ${r.as}: ${res.status} ${answer.slice(0, 300)}`;
        expect(res.status, label).toBeGreaterThanOrEqual(400);
        expect(res.status, label).toBeLessThan(500);
        expect(res.headers.get('content-type'), label).toBe('application/problem+json');
        const problem = JSON.parse(answer) as { status: number; title: string };
        expect(problem.status, label).toBe(res.status);
      }),
      { numRuns: 200 },
    );
    expect(await h.snapshot()).toBe(before);
  }, 300_000);
});
