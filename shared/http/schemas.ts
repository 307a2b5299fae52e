/**
 * Response and parameter schemas of the HTTP API. They are the types the handlers return and what the
 * OpenAPI document is generated from; the catalog's own schemas (`ZoneSchema`) are reused, not copied.
 */

import { IdSchema, ZoneKindSchema, ZoneSchema, ZoneStatusSchema } from '../catalog/schema.ts';
import * as z from '../zod.ts';
import { CursorParam, limitParam } from './params.ts';
import { OFFICIAL_ROLES, RoleSchema } from './roles.ts';

/** Re-exported: the paged routes import them from `params.ts`, which does not load the catalog schemas. */
export { CursorParam, limitParam };

export const FieldIssueSchema = z.withMeta(
  z.strictObject({
    path: z.withMeta(z.string(), {
      description: 'Where: `body.project.vsic.code`, `path.id`, `query.limit`',
    }),
    rule: z.withMeta(z.string(), { description: 'Which rule it broke (zod issue code)' }),
    message: z.string(),
  }),
  { id: 'FieldIssue' },
);

/** RFC 9457 problem details; `errors` lists every failing field of a 400. */
export const ProblemSchema = z.withMeta(
  z.looseObject({
    type: z.string(),
    title: z.string(),
    status: z.number().check(z.int(), z.gte(400), z.lte(599)),
    detail: z.optional(z.string()),
    instance: z.optional(z.string()),
    errors: z.optional(z.array(FieldIssueSchema)),
  }),
  { id: 'Problem', description: 'RFC 9457 problem details (application/problem+json)' },
);

const slug = (max: number) =>
  z
    .string()
    .check(
      z.minLength(1),
      z.maxLength(max),
      z.regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be a lowercase slug (a-z, 0-9, single hyphens)'),
    );

export const ZoneIdParams = z.strictObject({
  id: z.withMeta(IdSchema, { description: 'Zone id, e.g. `kcn-dong-pho-moi`' }),
});

export const ZoneListQuery = z.strictObject({
  kind: z.optional(ZoneKindSchema),
  status: z.optional(ZoneStatusSchema),
});

const ZoneMeta = z.withMeta(ZoneSchema, { id: 'Zone' });

export const ZoneSummarySchema = z.withMeta(
  z.pick(ZoneSchema, {
    id: true,
    name: true,
    nameEn: true,
    kind: true,
    status: true,
    expectedReadyDate: true,
    placeholder: true,
    location: true,
    plannedAreaHa: true,
    industrialLandHa: true,
    filledShare: true,
    projects: true,
    registeredCapitalBnVnd: true,
    sectorFocus: true,
    utilities: true,
    sampleFields: true,
  }),
  { id: 'ZoneSummary' },
);

export const ZoneListSchema = z.strictObject({ items: z.array(ZoneSummarySchema) });

const byStatus = z.strictObject({
  available: z.number().check(z.nonnegative()),
  held: z.number().check(z.nonnegative()),
  allocated: z.number().check(z.nonnegative()),
});

export const OccupancySchema = z.withMeta(
  z.strictObject({
    zoneId: IdSchema,
    plots: byStatus,
    areaHa: byStatus,
    totalPlots: z.number().check(z.int(), z.nonnegative()),
    totalAreaHa: z.number().check(z.nonnegative()),
    sample: z.withMeta(z.literal(true), { description: 'Plots are sample data (plot detail is not public)' }),
  }),
  { id: 'Occupancy', description: 'Live plot counts and hectares by status' },
);

export const ZoneDetailSchema = z.strictObject({
  zone: ZoneMeta,
  catalogVersion: z.string(),
  occupancy: OccupancySchema,
});

export const TaskListQuery = z.strictObject({
  role: z.withMeta(z.optional(z.enum(OFFICIAL_ROLES)), {
    description: 'One of the caller’s roles (default: the first)',
  }),
  scope: z.withMeta(z.optional(slug(80)), { description: 'A zone id in the caller’s scope, or `province`' }),
  status: z.withMeta(z._default(slug(40), 'open'), { description: 'Task status (default `open`)' }),
  limit: limitParam(100),
  cursor: CursorParam,
});

export const TaskSummarySchema = z.withMeta(
  z.looseObject({
    applicationId: z.string(),
    taskId: z.string(),
    role: z.string(),
    scope: z.string(),
    status: z.string(),
    dueAt: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  }),
  { id: 'TaskSummary', description: 'An approval task as listed in an inbox (never its task token)' },
);

export const TaskPageSchema = z.strictObject({
  role: RoleSchema,
  scope: z.string(),
  status: z.string(),
  items: z.array(TaskSummarySchema),
  nextCursor: z.optional(z.string()),
});

export const OpenApiDocumentSchema = z.withMeta(
  z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) }),
  { description: 'This document (OpenAPI 3.1)' },
);
