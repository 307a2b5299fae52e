import { httpHandler } from '#shared/http/handler.ts';
import { createOpenApiDocument } from '#shared/http/openapi.ts';
import { getOpenApi, ROUTES } from '#shared/http/routes.ts';

/**
 * Generated on the first request and kept for the instance's life: it depends only on the route contracts
 * bundled with this function. Not at import: generating it was about a third of this function's cold import.
 */
let document: ReturnType<typeof createOpenApiDocument> | undefined;

/** `GET /openapi.json`: the API's OpenAPI 3.1 document. */
export const handler = httpHandler(getOpenApi, async () => {
  document ??= createOpenApiDocument(ROUTES);
  return document as never;
});
