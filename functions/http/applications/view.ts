/**
 * How an application, its timeline and its stages are shown to the investor: the stored records shaped
 * into the route schemas of `shared/http/applications.ts` (no key attribute, no task token, no internals).
 */
import type * as z from 'zod';
import type { Enquiry } from '#shared/enquiry/schema.ts';
import {
  type ApplicationDetailSchema,
  type ApplicationSummarySchema,
  STATUS_DESCRIPTIONS,
  type TimelineItemSchema,
} from '#shared/http/applications.ts';
import { matchSites } from '#shared/matching/match-sites.ts';
import {
  type ApplicationRecord,
  type Repository,
  type TimelineEvent,
  WAITING_TASK_STATUSES,
} from '#shared/repository/index.ts';
import type { LegalBasis, Route } from '#shared/routing/types.ts';
import { type ApplicationStatus, isTerminal } from '#shared/workflow/status.ts';

type Detail = z.input<typeof ApplicationDetailSchema>;
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export function summaryView(app: ApplicationRecord): z.input<typeof ApplicationSummarySchema> {
  const enquiry = app.enquiry as Partial<Enquiry> | undefined;
  return {
    id: app.id,
    status: app.status as ApplicationStatus,
    projectName: enquiry?.project?.name ?? '',
    filedAt: str(app.filedAt) ?? app.createdAt,
    createdAt: app.createdAt,
    updatedAt: app.updatedAt,
    zoneId: str(app.zoneId),
    plotId: str(app.allocatedPlotId) ?? str(app.heldPlotId) ?? str(app.plotId),
  };
}

export function timelineView(e: TimelineEvent): z.input<typeof TimelineItemSchema> {
  return {
    eventId: e.eventId,
    at: e.at,
    type: e.what,
    actor: e.who,
    legalBasis: e.legalBasis ?? null,
    dueAt: e.dueDate ?? null,
    details: e.details ?? {},
  };
}

function basisView(b: LegalBasis) {
  return {
    instrument: b.instrument,
    article: b.article ?? null,
    validFrom: b.validFrom,
    validTo: b.validTo ?? null,
    sources: b.sources,
    confidence: String(b.confidence),
  };
}

function routeView(route: Route | undefined): Detail['route'] {
  if (!route || typeof route !== 'object' || !Array.isArray(route.stages)) return null;
  return {
    ruleSetId: route.ruleSetId,
    pathId: route.pathId,
    filedOn: route.filedOn,
    underReview: route.review !== undefined,
    stages: route.stages.map((s) => ({
      id: s.id,
      kind: s.kind,
      title: s.title,
      authority: s.authority,
      role: s.role,
      scope: s.scope,
      order: s.order,
      legalBasis: s.legalBasis.article
        ? `${s.legalBasis.instrument}, ${s.legalBasis.article}`
        : s.legalBasis.instrument,
    })),
    legalBasis: (route.legalBasis ?? []).map(basisView),
  };
}

/** What the workflow is doing, in words, when no approval stage is waiting. */
const STEP_WORDS: Record<ApplicationStatus, string> = {
  submitted: 'Application received',
  'routing-review': 'Routing review by a provincial official',
  matching: 'Matching sites',
  'waiting-for-capacity': 'Waiting for a plot that fits',
  holding: 'Plot held; routing the procedure',
  'checking-clearance': 'Checking the site',
  'waiting-for-clearance': 'Waiting for the plot’s land clearance',
  'in-approval': 'Approval',
  'information-requested': 'Information requested from the investor',
  allocated: 'Allocated',
  rejected: 'Rejected',
  withdrawn: 'Withdrawn',
  failed: 'Failed',
};

/** The held plot's score components, recomputed on its current data (a plot's score depends on no other). */
async function heldPlotScore(repository: Repository, app: ApplicationRecord, plotId: string) {
  const plot = await repository.getPlot(plotId);
  const zone = plot ? await repository.getZone(plot.zoneId) : undefined;
  if (!plot || !zone || !app.enquiry) return { plot, zone, score: null, breakdown: null };
  const result = matchSites(
    app.enquiry as Enquiry,
    { zones: [zone], plots: [{ ...plot, status: 'available' }] },
    { limit: 1 },
  );
  const best = result.candidates[0];
  return { plot, zone, score: best?.score ?? null, breakdown: best?.breakdown ?? null };
}

/**
 * Every matched site's score and components, recomputed on its current data as the held plot's are, so
 * the investor sees why each ranks where it does (the workflow's event keeps only the held plot's score).
 * A site that no longer fits the enquiry (taken and changed, clearance disputed...) gets null.
 */
async function matchedScores(repository: Repository, app: ApplicationRecord, plotIds: readonly string[]) {
  const zones = new Map<string, ReturnType<Repository['getZone']>>();
  const zoneOf = (zoneId: string) => {
    let zone = zones.get(zoneId);
    if (!zone) {
      zone = repository.getZone(zoneId);
      zones.set(zoneId, zone);
    }
    return zone;
  };
  const scored = await Promise.all(
    plotIds.map(async (plotId) => {
      const plot = await repository.getPlot(plotId);
      const zone = plot ? await zoneOf(plot.zoneId) : undefined;
      if (!plot || !zone || !app.enquiry) return [plotId, null] as const;
      const best = matchSites(
        app.enquiry as Enquiry,
        { zones: [zone], plots: [{ ...plot, status: 'available' }] },
        { limit: 1 },
      ).candidates[0];
      return [plotId, best ? { score: best.score, breakdown: best.breakdown } : null] as const;
    }),
  );
  return new Map(scored);
}

export async function detailView(repository: Repository, app: ApplicationRecord): Promise<Detail> {
  const status = (app.status in STATUS_DESCRIPTIONS ? app.status : 'submitted') as ApplicationStatus;
  const [tasks, timeline] = await Promise.all([
    repository.waits.listApprovalTasks(app.id),
    repository.listTimeline(app.id, { limit: 500 }),
  ]);
  const waiting = tasks
    .filter((t) => (WAITING_TASK_STATUSES as readonly string[]).includes(t.status))
    .sort((a, b) => a.dueAt.localeCompare(b.dueAt));
  const currentStages = waiting.map((t) => ({
    taskId: t.taskId,
    stageId: t.stageId,
    title: str((t.title as { en?: string } | undefined)?.en),
    role: t.role,
    scope: t.scope,
    status: t.status,
    dueAt: t.dueAt,
    legalBasis: t.legalBasis,
  }));
  const plotId = str(app.allocatedPlotId) ?? str(app.heldPlotId);
  const held = [...timeline.items].reverse().find((e) => e.what === 'plot.held');
  const heldDetails = (held?.details ?? {}) as { plotId?: string; score?: number; candidates?: string[] };
  const candidates = (heldDetails.candidates ?? []).slice(0, 20);
  const [scored, others] = await Promise.all([
    plotId ? heldPlotScore(repository, app, plotId) : undefined,
    matchedScores(
      repository,
      app,
      candidates.filter((c) => c !== heldDetails.plotId),
    ),
  ]);
  const matchedSites = candidates.map((candidate, i) => {
    const isHeld = candidate === heldDetails.plotId;
    const now = others.get(candidate);
    return {
      plotId: candidate,
      rank: i + 1,
      held: isHeld,
      score: isHeld
        ? typeof heldDetails.score === 'number'
          ? heldDetails.score
          : null
        : (now?.score ?? null),
      breakdown: isHeld
        ? candidate === plotId
          ? (scored?.breakdown ?? null)
          : null
        : (now?.breakdown ?? null),
      sample: true as const,
    };
  });
  const allocated = str(app.allocatedPlotId) !== null;
  const certificateReference = str(app.certificateReference);
  const enquiry = (app.enquiry ?? {}) as Partial<Enquiry>;
  return {
    id: app.id,
    status,
    statusDescription: STATUS_DESCRIPTIONS[status],
    terminal: isTerminal(status),
    stage: currentStages[0]?.title ?? STEP_WORDS[status],
    filedAt: str(app.filedAt) ?? app.createdAt,
    createdAt: app.createdAt,
    updatedAt: app.updatedAt,
    project: {
      name: enquiry.project?.name ?? '',
      vsicCode: enquiry.project?.vsic?.code ?? '',
      landAreaHa: enquiry.landAreaHa ?? 0,
    },
    route: routeView(app.route as Route | undefined),
    currentStages,
    nextDueAt: isTerminal(status) ? null : (currentStages[0]?.dueAt ?? null),
    matchedSites,
    plot:
      plotId && scored
        ? {
            plotId,
            zoneId: scored.plot?.zoneId ?? str(app.zoneId) ?? '',
            zoneName: scored.zone?.name ?? null,
            areaHa: scored.plot?.areaHa ?? null,
            state: allocated ? 'allocated' : 'held',
            since: str(allocated ? app.allocatedAt : app.heldAt),
            holdExpiresAt: allocated ? null : str(app.holdExpiresAt),
            clearance: scored.plot?.clearance?.status ?? null,
            sample: true,
          }
        : null,
    waitingReason: str(app.waitingReason),
    closedReason: str(app.closedReason),
    certificateReference,
    sample: { plots: true, certificateReference: certificateReference?.startsWith('LC-') ?? false },
  };
}
