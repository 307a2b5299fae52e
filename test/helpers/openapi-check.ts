/**
 * Validates API replies against the API's own `/openapi.json` with ajv (JSON Schema 2020-12): the schema
 * of the route, method, status and content type the reply has. A reply the document does not describe,
 * or does not match, throws naming the route and the mismatch.
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
    count++;
  };
  return Object.assign(check, { checked: () => count });
}
