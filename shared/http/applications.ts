/**
 * The investors' routes of the HTTP API (`/applications...`): their contracts and the schemas of what
 * they take and answer. The OpenAPI document, the handlers (`functions/http/applications/`) and the CDK
 * routes are all generated from these objects.
 */

import { EnquirySchema } from '../enquiry/schema.ts';
import { RoutingOptionsSchema } from '../workflow/input.ts';
import { APPLICATION_STATUSES, type ApplicationStatus } from '../workflow/status.ts';
import * as z from '../zod.ts';
import { CursorParam, limitParam } from './params.ts';
import { defineRoute, type RouteSpec } from './route.ts';

/** What each status means, for the investor (and the OpenAPI document). Terminal ones say so. */
export const STATUS_DESCRIPTIONS: Record<ApplicationStatus, string> = {
  submitted: 'The enquiry was accepted and the application created; the workflow has started.',
  'routing-review': 'A rule or input was unknown: a provincial official picks the procedure path.',
  matching: 'Looking for plots that fit the enquiry, on the live plot state.',
  'waiting-for-capacity': 'No plot fits today: re-matched on a schedule; `waitingReason` says why.',
  holding: 'A plot is held for this application; no other application can take it.',
  'checking-clearance':
    'The held plot’s land clearance, sector and planning conformity, utilities and environmental screen are checked (`site.checked` on the timeline once they pass; the status stays until the first approval task is open, or the plot is allocated when the route has no approval stage).',
  'waiting-for-clearance':
    'The held plot’s land clearance is in progress; the zone manager’s update resumes the application.',
  'in-approval':
    'Officials decide the route’s approval stages (see `currentStages` and `nextDueAt`); set once the first stage’s task is in an official’s inbox.',
  'information-requested':
    'An official asked for information (answer with POST /applications/{id}/responses); the statutory clock is paused.',
  allocated: 'Terminal: the hold became an allocation; the certificate reference is recorded.',
  rejected:
    'Terminal: an official rejected the application (reasons on the timeline); the plot was released.',
  withdrawn: 'Terminal: the investor withdrew; the plot was released.',
  failed:
    'Terminal: the workflow could not finish (no capacity in time, a clearance wait expired, an error); see `closedReason`.',
};

export const ApplicationStatusSchema = z.withMeta(z.enum(APPLICATION_STATUSES), {
  id: 'ApplicationStatus',
  description: `Where the application is. ${APPLICATION_STATUSES.map((s) => `\`${s}\`: ${STATUS_DESCRIPTIONS[s]}`).join(' ')}`,
});

/** Application ids are the workflow's execution names: letters, digits, `_ . : -`. */
export const ApplicationIdSchema = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(120),
    z.regex(/^[A-Za-z0-9_.:-]+$/, 'must be an application id (letters, digits, _ . : -)'),
  );

export const ApplicationIdParams = z.strictObject({
  id: z.withMeta(ApplicationIdSchema, { description: 'Application id, as `POST /applications` returned it' }),
});

/** The `Idempotency-Key` header of `POST /applications`: the client's own id for this one request. */
export const IdempotencyKeySchema = z
  .string()
  .check(
    z.minLength(8, 'must be at least 8 characters (a UUID is a good key)'),
    z.maxLength(128),
    z.regex(/^[A-Za-z0-9_.:-]+$/, 'must be letters, digits, _ . : - (a UUID is a good key)'),
  );

/** The headers `POST /applications` requires (documented; `idempotencyKey()` validates with this schema). */
export const CreateApplicationHeaders = z.object({
  'Idempotency-Key': z.withMeta(IdempotencyKeySchema, {
    description:
      'Required. The client’s id for this application request (a new UUID per application, the same one on retry): the same key and body answer the same application; the same key with another body is 422',
  }),
});

/** What the routing reads beyond the enquiry (the workflow's own schema); absent fields are "not declared". */
const RoutingDeclarationsSchema = z.withMeta(RoutingOptionsSchema, {
  id: 'RoutingDeclarations',
  description:
    'What the investor declares for routing: land route (sublease by default), foreign ownership, ...',
});

/** The body of `POST /applications`: the enquiry, with the routing declarations as an optional member. */
export const ApplicationRequestSchema = z.withMeta(
  z.safeExtend(EnquirySchema, {
    routing: z.optional(RoutingDeclarationsSchema),
  }),
  {
    id: 'ApplicationRequest',
    description:
      'The enquiry (investor, project, land, capital, jobs, dates, preferences, environmental self-declaration), and optionally `routing` declarations.',
  },
);

export const AcceptedApplicationSchema = z.withMeta(
  z.strictObject({
    id: ApplicationIdSchema,
    status: ApplicationStatusSchema,
    filedAt: z.withMeta(z.string(), {
      description: 'ISO instant the dossier was filed (picks the rule set)',
    }),
    links: z.strictObject({ self: z.string(), timeline: z.string() }),
  }),
  { id: 'AcceptedApplication' },
);

export const ApplicationSummarySchema = z.withMeta(
  z.strictObject({
    id: ApplicationIdSchema,
    status: ApplicationStatusSchema,
    projectName: z.string(),
    filedAt: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    zoneId: z.nullable(z.string()),
    plotId: z.nullable(z.string()),
  }),
  { id: 'ApplicationSummary' },
);

export const ApplicationPageSchema = z.strictObject({
  items: z.array(ApplicationSummarySchema),
  nextCursor: z.optional(z.string()),
});

export const ApplicationListQuery = z.strictObject({ limit: limitParam(100), cursor: CursorParam });

const LegalBasisViewSchema = z.withMeta(
  z.strictObject({
    instrument: z.string(),
    article: z.nullable(z.string()),
    validFrom: z.string(),
    validTo: z.nullable(z.string()),
    sources: z.array(z.string()),
    confidence: z.string(),
  }),
  { id: 'LegalBasis' },
);

const StageViewSchema = z.strictObject({
  id: z.string(),
  kind: z.string(),
  title: z.strictObject({ vi: z.string(), en: z.string() }),
  authority: z.string(),
  role: z.string(),
  scope: z.string(),
  order: z.number(),
  legalBasis: z.withMeta(z.string(), { description: 'Instrument and article, one line' }),
});

export const RouteViewSchema = z.withMeta(
  z.strictObject({
    ruleSetId: z.withMeta(z.string(), { description: '`law-61-2020` or `law-143-2025`, by the filing date' }),
    pathId: z.string(),
    filedOn: z.string(),
    underReview: z.withMeta(z.boolean(), { description: 'A provincial official is picking the path' }),
    stages: z.array(StageViewSchema),
    legalBasis: z.array(LegalBasisViewSchema),
  }),
  { id: 'ApplicationRoute' },
);

const ScoreComponentSchema = z.strictObject({
  name: z.string(),
  weight: z.number(),
  value: z.number(),
  points: z.number(),
  note: z.string(),
});

export const MatchedSiteSchema = z.withMeta(
  z.strictObject({
    plotId: z.string(),
    rank: z.number().check(z.int(), z.positive()),
    held: z.withMeta(z.boolean(), { description: 'The plot held (or allocated) for this application' }),
    score: z.withMeta(z.nullable(z.number()), {
      description:
        'Out of 100: the held plot’s as ranked when matched; another site’s recomputed on its current data (null when it no longer fits)',
    }),
    breakdown: z.withMeta(z.nullable(z.array(ScoreComponentSchema)), {
      description:
        'The score’s components (criterion, weight, value, points, why), recomputed on the plot’s current data; null when it no longer fits',
    }),
    sample: z.withMeta(z.literal(true), { description: 'Plots are sample data (plot detail is not public)' }),
  }),
  { id: 'MatchedSite' },
);

export const PlotViewSchema = z.withMeta(
  z.strictObject({
    plotId: z.string(),
    zoneId: z.string(),
    zoneName: z.nullable(z.string()),
    areaHa: z.nullable(z.number()),
    state: z.enum(['held', 'allocated']),
    since: z.nullable(z.string()),
    holdExpiresAt: z.nullable(z.string()),
    clearance: z.nullable(z.string()),
    sample: z.withMeta(z.literal(true), { description: 'Plots are sample data (plot detail is not public)' }),
  }),
  { id: 'ApplicationPlot' },
);

export const CurrentStageSchema = z.withMeta(
  z.strictObject({
    taskId: z.string(),
    stageId: z.string(),
    title: z.nullable(z.string()),
    role: z.string(),
    scope: z.string(),
    status: z.string(),
    dueAt: z.string(),
    legalBasis: z.string(),
  }),
  { id: 'CurrentStage' },
);

export const ApplicationDetailSchema = z.withMeta(
  z.strictObject({
    id: ApplicationIdSchema,
    status: ApplicationStatusSchema,
    statusDescription: z.string(),
    terminal: z.boolean(),
    stage: z.withMeta(z.string(), {
      description: 'The current step in words: an approval stage’s title, or what the workflow is doing',
    }),
    filedAt: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    project: z.strictObject({ name: z.string(), vsicCode: z.string(), landAreaHa: z.number() }),
    route: z.nullable(RouteViewSchema),
    currentStages: z.array(CurrentStageSchema),
    nextDueAt: z.withMeta(z.nullable(z.string()), {
      description: 'The earliest statutory due date of a stage still waiting',
    }),
    matchedSites: z.array(MatchedSiteSchema),
    plot: z.nullable(PlotViewSchema),
    waitingReason: z.nullable(z.string()),
    closedReason: z.nullable(z.string()),
    certificateReference: z.nullable(z.string()),
    sample: z.withMeta(z.strictObject({ plots: z.literal(true), certificateReference: z.boolean() }), {
      description: 'What in this answer is sample data',
    }),
  }),
  { id: 'ApplicationDetail' },
);

export const TimelineItemSchema = z.withMeta(
  z.strictObject({
    eventId: z.string(),
    at: z.string(),
    type: z.withMeta(z.string(), { description: 'What happened: `application.submitted`, `plot.held`, ...' }),
    actor: z.withMeta(z.string(), { description: 'Who: a user id, a role, or `system`' }),
    legalBasis: z.nullable(z.string()),
    dueAt: z.withMeta(z.nullable(z.string()), { description: 'The statutory due date the step set' }),
    details: z.record(z.string(), z.unknown()),
  }),
  { id: 'TimelineItem' },
);

export const TimelinePageSchema = z.strictObject({
  items: z.array(TimelineItemSchema),
  nextCursor: z.optional(z.string()),
});

export const TimelineQuery = z.strictObject({ limit: limitParam(500), cursor: CursorParam });

export const ResponseRequestSchema = z.withMeta(
  z.strictObject({
    taskId: z.withMeta(z.optional(z.string().check(z.minLength(3), z.maxLength(420))), {
      description: 'The task that asked (default: the one request waiting)',
    }),
    answer: z.string().check(z.trim(), z.minLength(1, 'the answer must not be empty'), z.maxLength(10_000)),
    attachments: z.optional(
      z.array(z.string().check(z.minLength(1), z.maxLength(500))).check(z.maxLength(20)),
    ),
  }),
  { id: 'InformationResponse' },
);

export const ResponseResultSchema = z.strictObject({
  applicationId: ApplicationIdSchema,
  taskId: z.string(),
  status: z.literal('open'),
  dueAt: z.withMeta(z.string(), { description: 'The stage’s due date, moved by the paused days' }),
  previousDueAt: z.string(),
});

export const WithdrawRequestSchema = z.withMeta(
  z.strictObject({
    reason: z
      .string()
      .check(z.trim(), z.minLength(1, 'say why the application is withdrawn'), z.maxLength(1_000)),
  }),
  { id: 'Withdrawal' },
);

export const WithdrawResultSchema = z.strictObject({
  applicationId: ApplicationIdSchema,
  status: z.literal('withdrawn'),
  alreadyWithdrawn: z.boolean(),
});

const INVESTOR = ['investor'] as const;
/** Officials may read the applications their tasks concern (and admins every one). */
const READERS = ['investor', 'zone-board-officer', 'environment-officer', 'provincial-officer'] as const;

export const createApplication = defineRoute({
  method: 'POST',
  path: '/applications',
  operationId: 'createApplication',
  summary:
    'Apply with an enquiry. The Idempotency-Key header is required: the same key and body give the same application; the same key with another body is 422',
  tags: ['investors'],
  auth: INVESTOR,
  request: { headers: CreateApplicationHeaders, body: ApplicationRequestSchema },
  ok: {
    status: 202,
    description: 'The application was accepted (or already had been, for this key) and its workflow started',
    schema: AcceptedApplicationSchema,
    headers: { Location: 'The application’s URL' },
  },
  errors: [422],
});

export const listApplications = defineRoute({
  method: 'GET',
  path: '/applications',
  operationId: 'listApplications',
  summary: 'The caller’s applications, newest first',
  tags: ['investors'],
  auth: INVESTOR,
  request: { query: ApplicationListQuery },
  ok: { status: 200, description: 'A page of applications', schema: ApplicationPageSchema },
});

export const getApplication = defineRoute({
  method: 'GET',
  path: '/applications/{id}',
  operationId: 'getApplication',
  summary:
    'One application: status, current stage, route and legal basis, matched sites, plot, next statutory due date',
  tags: ['investors'],
  auth: READERS,
  request: { path: ApplicationIdParams },
  ok: { status: 200, description: 'The application', schema: ApplicationDetailSchema },
});

export const getApplicationTimeline = defineRoute({
  method: 'GET',
  path: '/applications/{id}/timeline',
  operationId: 'getApplicationTimeline',
  summary: 'What happened to the application, oldest first: who, when, under which legal basis, what is due',
  tags: ['investors'],
  auth: READERS,
  request: { path: ApplicationIdParams, query: TimelineQuery },
  ok: { status: 200, description: 'A page of the timeline', schema: TimelinePageSchema },
});

export const respondToApplication = defineRoute({
  method: 'POST',
  path: '/applications/{id}/responses',
  operationId: 'respondToApplication',
  summary: 'Answer an official’s request for information; the stage resumes with its clock',
  tags: ['investors'],
  auth: INVESTOR,
  request: { path: ApplicationIdParams, body: ResponseRequestSchema },
  ok: { status: 200, description: 'The answer was recorded', schema: ResponseResultSchema },
  errors: [409],
});

export const withdrawApplication = defineRoute({
  method: 'POST',
  path: '/applications/{id}/withdraw',
  operationId: 'withdrawApplication',
  summary: 'Withdraw the application (the plot is released); withdrawing twice is harmless',
  tags: ['investors'],
  auth: INVESTOR,
  request: { path: ApplicationIdParams, body: WithdrawRequestSchema },
  ok: { status: 200, description: 'The application is withdrawn', schema: WithdrawResultSchema },
  errors: [409],
});

/** The investors' routes, in the order the OpenAPI document lists them. */
export const APPLICATION_ROUTES: readonly RouteSpec[] = [
  createApplication,
  listApplications,
  getApplication,
  getApplicationTimeline,
  respondToApplication,
  withdrawApplication,
];
