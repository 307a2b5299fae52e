import { httpHandler } from '#shared/http/handler.ts';
import { createOpenApiDocument } from '#shared/http/openapi.ts';
import { getOpenApi, ROUTES } from '#shared/http/routes.ts';

/** Generated once per instance: it depends only on the route contracts bundled with this function. */
const document = createOpenApiDocument(ROUTES);

/** `GET /openapi.json`: the API's OpenAPI 3.1 document. */
export const handler = httpHandler(getOpenApi, async () => document as never);
