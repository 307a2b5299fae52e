/**
 * Every route of the HTTP API, as contracts (`defineRoute`). The CDK construct adds each to API
 * Gateway, its handler wraps it with `httpHandler`, and `/openapi.json` is generated from this list.
 * A new route is one entry here, one handler file and one `api.addRoute(...)` line in the stack.
 */
import { APPLICATION_ROUTES } from './applications.ts';
import { NOTIFICATION_ROUTES } from './notifications.ts';
import { OFFICIAL_ROUTES } from './officials.ts';
import { defineRoute, type RouteSpec } from './route.ts';
import {
  OpenApiDocumentSchema,
  TaskListQuery,
  TaskPageSchema,
  ZoneDetailSchema,
  ZoneIdParams,
  ZoneListQuery,
  ZoneListSchema,
} from './schemas.ts';
import { StatsSchema } from './stats-schema.ts';

export const listZones = defineRoute({
  method: 'GET',
  path: '/zones',
  operationId: 'listZones',
  summary: 'The industrial zones (KCN) and clusters (CCN) of Lào Cai, optionally by kind or status',
  tags: ['catalog'],
  auth: 'public',
  request: { query: ZoneListQuery },
  ok: { status: 200, description: 'The zones, ordered by id', schema: ZoneListSchema },
});

export const getZone = defineRoute({
  method: 'GET',
  path: '/zones/{id}',
  operationId: 'getZone',
  summary: 'One zone with its live occupancy (plots and hectares by status)',
  tags: ['catalog'],
  auth: 'public',
  request: { path: ZoneIdParams },
  ok: { status: 200, description: 'The zone', schema: ZoneDetailSchema },
});

export const getStats = defineRoute({
  method: 'GET',
  path: '/stats',
  operationId: 'getStats',
  summary: 'Occupancy, projects, registered capital and jobs; the source article’s figures and targets',
  tags: ['catalog'],
  auth: 'public',
  request: {},
  ok: { status: 200, description: 'Statistics; sample figures are flagged', schema: StatsSchema },
});

export const getOpenApi = defineRoute({
  method: 'GET',
  path: '/openapi.json',
  operationId: 'getOpenapi',
  summary: 'This API’s OpenAPI 3.1 document, generated from its zod schemas',
  tags: ['meta'],
  auth: 'public',
  request: {},
  ok: { status: 200, description: 'The OpenAPI document', schema: OpenApiDocumentSchema },
});

export const listTasks = defineRoute({
  method: 'GET',
  path: '/tasks',
  operationId: 'listTasks',
  summary: 'The caller’s inbox: approval tasks of one of their roles and scopes, earliest due first',
  tags: ['officials'],
  auth: ['zone-board-officer', 'environment-officer', 'provincial-officer'],
  request: { query: TaskListQuery },
  ok: { status: 200, description: 'A page of tasks', schema: TaskPageSchema },
});

/** Every deployed route, in the order the OpenAPI document lists them. */
export const ROUTES: readonly RouteSpec[] = [
  listZones,
  getZone,
  getStats,
  getOpenApi,
  listTasks,
  ...APPLICATION_ROUTES,
  ...OFFICIAL_ROUTES,
  ...NOTIFICATION_ROUTES,
];
