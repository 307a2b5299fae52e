/**
 * Response and parameter schemas of the HTTP API. They are the types the handlers return and what the
 * OpenAPI document is generated from; the catalog's own schemas (`ZoneSchema`) are reused, not copied.
 */
import * as z from 'zod';
import { IdSchema, ZoneKindSchema, ZoneSchema, ZoneStatusSchema } from '../catalog/schema.ts';
import { CursorParam, limitParam } from './params.ts';
import { OFFICIAL_ROLES, RoleSchema } from './roles.ts';

/** Re-exported: the paged routes import them from `params.ts`, which does not load the catalog schemas. */
export { CursorParam, limitParam };

export const FieldIssueSchema = z
  .strictObject({
    path: z.string().meta({ description: 'Where: `body.project.vsic.code`, `path.id`, `query.limit`' }),
    rule: z.string().meta({ description: 'Which rule it broke (zod issue code)' }),
    message: z.string(),
  })
  .meta({ id: 'FieldIssue' });

/** RFC 9457 problem details; `errors` lists every failing field of a 400. */
export const ProblemSchema = z
  .looseObject({
    type: z.string(),
    title: z.string(),
    status: z.number().int().min(400).max(599),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z.array(FieldIssueSchema).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details (application/problem+json)' });

const slug = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be a lowercase slug (a-z, 0-9, single hyphens)');

export const ZoneIdParams = z.strictObject({
  id: IdSchema.meta({ description: 'Zone id, e.g. `kcn-dong-pho-moi`' }),
});

export const ZoneListQuery = z.strictObject({
  kind: ZoneKindSchema.optional(),
  status: ZoneStatusSchema.optional(),
});

const ZoneMeta = ZoneSchema.meta({ id: 'Zone' });

export const ZoneSummarySchema = ZoneSchema.pick({
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
}).meta({ id: 'ZoneSummary' });

export const ZoneListSchema = z.strictObject({ items: z.array(ZoneSummarySchema) });

const byStatus = z.strictObject({
  available: z.number().nonnegative(),
  held: z.number().nonnegative(),
  allocated: z.number().nonnegative(),
});

export const OccupancySchema = z
  .strictObject({
    zoneId: IdSchema,
    plots: byStatus,
    areaHa: byStatus,
    totalPlots: z.number().int().nonnegative(),
    totalAreaHa: z.number().nonnegative(),
    sample: z.literal(true).meta({ description: 'Plots are sample data (plot detail is not public)' }),
  })
  .meta({ id: 'Occupancy', description: 'Live plot counts and hectares by status' });

export const ZoneDetailSchema = z.strictObject({
  zone: ZoneMeta,
  catalogVersion: z.string(),
  occupancy: OccupancySchema,
});

export const TaskListQuery = z.strictObject({
  role: z
    .enum(OFFICIAL_ROLES)
    .optional()
    .meta({ description: 'One of the caller’s roles (default: the first)' }),
  scope: slug(80).optional().meta({ description: 'A zone id in the caller’s scope, or `province`' }),
  status: slug(40).default('open').meta({ description: 'Task status (default `open`)' }),
  limit: limitParam(100),
  cursor: CursorParam,
});

export const TaskSummarySchema = z
  .looseObject({
    applicationId: z.string(),
    taskId: z.string(),
    role: z.string(),
    scope: z.string(),
    status: z.string(),
    dueAt: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'TaskSummary', description: 'An approval task as listed in an inbox (never its task token)' });

export const TaskPageSchema = z.strictObject({
  role: RoleSchema,
  scope: z.string(),
  status: z.string(),
  items: z.array(TaskSummarySchema),
  nextCursor: z.string().optional(),
});

export const OpenApiDocumentSchema = z
  .looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) })
  .meta({ description: 'This document (OpenAPI 3.1)' });
