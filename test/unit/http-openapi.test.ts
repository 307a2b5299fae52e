/**
 * The OpenAPI document's request contract, without a cloud: the headers a route requires and the problem
 * responses each route can give are in it, and the reply check (test/helpers/openapi-check.ts) fails when
 * the API refuses a header, query or path parameter the document does not list.
 */
import { describe, expect, it } from 'vitest';
import { IdempotencyKeyConflictError, idempotencyKey } from '#functions/http/applications/apply.ts';
import { InputValidationError } from '#shared/errors.ts';
import { createApplication } from '#shared/http/applications.ts';
import { classifyError } from '#shared/http/errors.ts';
import { createOpenApiDocument, errorStatuses } from '#shared/http/openapi.ts';
import { ROUTES } from '#shared/http/routes.ts';
import * as z from '#shared/zod.ts';
import { checkParameters } from '../helpers/openapi-check.ts';

type Operation = {
  parameters?: { in: string; name: string; required?: boolean }[];
  responses: Record<string, { content?: Record<string, unknown> }>;
};
const documentOf = (routes = ROUTES) =>
  createOpenApiDocument(routes) as unknown as {
    paths: Record<string, Record<string, Operation>>;
  };
const doc = documentOf();
const op = (method: string, path: string) => doc.paths[path]?.[method.toLowerCase()] as Operation;

/** The problem the API answers for an error thrown by a handler (status and `errors`). */
function problemOf(error: unknown) {
  const { status, errors } = classifyError(error);
  return { status, errors: (errors ?? []) as { path: string; rule: string }[] };
}

describe('the OpenAPI document', () => {
  it('requires the Idempotency-Key header on POST /applications, with the key’s rules', () => {
    const header = op('POST', '/applications').parameters?.find((p) => p.in === 'header');
    expect(header).toMatchObject({
      name: 'Idempotency-Key',
      required: true,
      schema: { type: 'string', minLength: 8, maxLength: 128 },
    });
  });

  it('documents each route’s problem responses: 400, 413, 429, 500 everywhere; 401/403 signed in; 404 with an id; 415 with a body; 409 and 422 where the route has them', () => {
    for (const spec of ROUTES) {
      const responses = op(spec.method, spec.path).responses;
      const statuses = Object.keys(responses)
        .map(Number)
        .filter((s) => s >= 400);
      const expected = [400, 413, 429, 500];
      if (spec.auth !== 'public') expected.push(401, 403);
      if (spec.request.path) expected.push(404);
      if (spec.request.body) expected.push(415);
      expected.push(...(spec.errors ?? []));
      const name = `${spec.method} ${spec.path}`;
      expect(statuses, name).toEqual([...new Set(expected)].sort((a, b) => a - b));
      expect(errorStatuses(spec), name).toEqual(statuses);
      for (const s of statuses) {
        expect(Object.keys(responses[`${s}`]?.content ?? {}), `${name} ${s}`).toEqual([
          'application/problem+json',
        ]);
      }
    }
    expect(op('POST', '/applications').responses['422']).toBeDefined();
    for (const [method, path] of [
      ['POST', '/tasks/{id}/decision'],
      ['POST', '/tasks/{id}/assignee'],
      ['POST', '/applications/{id}/responses'],
      ['POST', '/applications/{id}/withdraw'],
    ] as const) {
      expect(op(method, path).responses['409'], `${method} ${path}`).toBeDefined();
    }
  });
});

describe('the reply check’s parameter rule', () => {
  const missing = (() => {
    try {
      idempotencyKey({});
    } catch (error) {
      return problemOf(error);
    }
    throw new Error('idempotencyKey({}) did not refuse');
  })();

  it('passes the API’s own refusal of a missing Idempotency-Key against the document', () => {
    expect(missing).toEqual({
      status: 400,
      errors: [expect.objectContaining({ path: 'header.Idempotency-Key', rule: 'required' })],
    });
    expect(() => checkParameters(doc, 'POST', '/applications', missing)).not.toThrow();
    const malformed = (() => {
      try {
        idempotencyKey({ 'Idempotency-Key': 'short' });
      } catch (error) {
        return problemOf(error);
      }
      throw new Error('a short key was accepted');
    })();
    expect(malformed.errors.map((e) => e.path)).toEqual(['header.Idempotency-Key']);
    expect(() => checkParameters(doc, 'POST', '/applications', malformed)).not.toThrow();
  });

  it('fails when the document leaves out a header the API requires, or marks it optional', () => {
    const withoutHeader = documentOf(
      ROUTES.map((r) =>
        r === createApplication ? { ...r, request: { body: createApplication.request.body } } : r,
      ),
    );
    expect(() => checkParameters(withoutHeader, 'POST', '/applications', missing)).toThrow(
      /lists no header parameter Idempotency-Key/,
    );
    const optional = documentOf(
      ROUTES.map((r) =>
        r === createApplication
          ? { ...r, request: { ...r.request, headers: z.partial(createApplication.request.headers) } }
          : r,
      ),
    );
    expect(() => checkParameters(optional, 'POST', '/applications', missing)).toThrow(/marks it optional/);
  });

  it('fails on a query parameter the document does not list, and ignores body paths', () => {
    const problem = { errors: [{ path: 'query.verbose', rule: 'unrecognized' }] };
    expect(() => checkParameters(doc, 'GET', '/applications', problem)).toThrow(/no query parameter verbose/);
    const limit = { errors: [{ path: 'query.limit', rule: 'too_small' }] };
    expect(() => checkParameters(doc, 'GET', '/applications', limit)).not.toThrow();
    const body = { errors: [{ path: 'body.investor.name', rule: 'invalid_type' }] };
    expect(() => checkParameters(doc, 'POST', '/applications', body)).not.toThrow();
  });

  it('keeps the conflict of a reused key a 422, as documented', () => {
    expect(classifyError(new IdempotencyKeyConflictError('app-1')).status).toBe(422);
    expect(classifyError(new InputValidationError([])).status).toBe(400);
  });
});
