/**
 * Validates API replies against the API's own `/openapi.json` with ajv (JSON Schema 2020-12): the schema
 * of the route, method, status and content type the reply has. A reply the document does not describe,
 * or does not match, throws naming the route and the mismatch. A 400 that names a failing header, query
 * or path parameter (`errors[].path` `header.Idempotency-Key`, `query.limit`) must find that parameter in
 * the operation's `parameters` (a header the API requires must be documented as required), so a request
 * input the API checks but the document leaves out fails too.
 */
import Ajv2020 from 'ajv/dist/2020.js';
import type { ApiReply, ReplyCheck } from '../../scripts/journey.ts';

const pointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

export async function openApiCheck(baseUrl: string): Promise<ReplyCheck & { checked: () => number }> {
  const openapi = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as Record<string, unknown>;
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema({ ...openapi, $id: 'api' });
  let count = 0;
  const check = (method: string, route: string, reply: ApiReply) => {
    const type = (reply.headers.get('content-type') ?? '').split(';')[0] as string;
    const ref = `api#/paths/${pointer(route)}/${method.toLowerCase()}/responses/${reply.status}/content/${pointer(type)}/schema`;
    const validate = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref });
    if (!validate(reply.body)) {
      throw new Error(
        `${method} ${route} ${reply.status} does not match ${ref}: ${ajv.errorsText(validate.errors)}`,
      );
    }
    if (reply.status === 400) checkParameters(openapi, method, route, reply.body);
    count++;
  };
  return Object.assign(check, { checked: () => count });
}

interface Parameter {
  in: string;
  name: string;
  required?: boolean;
}

/** Every header, query or path parameter a 400 names is a parameter of the operation (required if missing). */
export function checkParameters(
  openapi: Record<string, unknown>,
  method: string,
  route: string,
  problem: { errors?: { path: string; rule: string }[] },
): void {
  const paths = openapi.paths as Record<string, Record<string, { parameters?: Parameter[] }>>;
  const parameters = paths[route]?.[method.toLowerCase()]?.parameters ?? [];
  for (const error of problem.errors ?? []) {
    const [where, name] = [error.path.split('.')[0], error.path.split('.')[1]];
    const location =
      where === 'header' ? 'header' : where === 'query' ? 'query' : where === 'path' ? 'path' : '';
    if (!location || !name) continue;
    const documented = parameters.find(
      (p) =>
        p.in === location &&
        (location === 'header' ? p.name.toLowerCase() === name.toLowerCase() : p.name === name),
    );
    if (!documented) {
      throw new Error(
        `${method} ${route} refused ${error.path} (${error.rule}), but the document lists no ${location} parameter ${name}`,
      );
    }
    if (error.rule === 'required' && documented.required !== true) {
      throw new Error(`${method} ${route} requires ${location} ${name}, but the document marks it optional`);
    }
  }
}
