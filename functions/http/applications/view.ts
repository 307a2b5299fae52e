/**
 * How an application, its timeline and its stages are shown to the investor: the stored records shaped
 * into the route schemas of `shared/http/applications.ts` (no key attribute, no task token, no internals).
 */

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
  type ApprovalTaskRecord,
  type PlotRecord,
  type Repository,
  type TimelineEvent,
  WAITING_TASK_STATUSES,
  type ZoneRecord,
} from '#shared/repository/index.ts';
import type { LegalBasis, Route } from '#shared/routing/types.ts';
import { type ApplicationStatus, isTerminal } from '#shared/workflow/status.ts';
import type * as z from '#shared/zod.ts';

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

type PlotScore = {
  score: number;
  breakdown: ReturnType<typeof matchSites>['candidates'][number]['breakdown'];
};

/**
 * Each plot's score and components for the enquiry, recomputed on its current data (as if available), for
 * every plot whose zone is known; a plot missing from the result no longer fits (taken and changed,
 * clearance disputed...). A plot's score depends on no other plot (prices on a fixed band, zones judged on
 * their own data), so the plots are ranked together in one pass: the catalog is prepared once per answer,
 * not once per matched site.
 */
function scoresOf(
  app: ApplicationRecord,
  plots: ReadonlyMap<string, PlotRecord>,
  zones: ReadonlyMap<string, ZoneRecord | undefined>,
): Map<string, PlotScore> {
  const out = new Map<string, PlotScore>();
  if (!app.enquiry) return out;
  const scored = [...plots.values()]
    .filter((p) => zones.get(p.zoneId) !== undefined)
    .map((p) => ({ ...p, status: 'available' as const }));
  if (scored.length === 0) return out;
  const zoneList = [...new Set(scored.map((p) => p.zoneId))].map((id) => zones.get(id) as ZoneRecord);
  const { candidates } = matchSites(
    app.enquiry as Enquiry,
    { zones: zoneList, plots: scored },
    { limit: scored.length, closest: 0 },
  );
  for (const c of candidates) out.set(c.plotId, { score: c.score, breakdown: c.breakdown });
  return out;
}

/** What the detail needs besides the application, read by the handler alongside it (one round trip). */
export interface DetailReads {
  /** The application's approval tasks. */
  tasks: readonly ApprovalTaskRecord[];
  /** Its latest `plot.held` event: the matched sites in rank order and the held plot's score. */
  held: TimelineEvent | undefined;
  /**
   * A zone's catalog entry, from the Lambda instance's cache (zones change only when the catalog is
   * seeded); the plots' state is read live.
   */
  zoneOf: (zoneId: string) => Promise<ZoneRecord | undefined>;
}

/**
 * The application as its detail: the stages from its tasks, every matched site (at most 20) with its
 * score and components recomputed on the plot's current data, so the investor sees why each ranks where
 * it does (the workflow's event keeps only the held plot's score), and the held or allocated plot. The
 * plots are read in one BatchGetItem, their zones from the instance's catalog cache.
 */
export async function detailView(
  repository: Repository,
  app: ApplicationRecord,
  reads: DetailReads,
): Promise<Detail> {
  const status = (app.status in STATUS_DESCRIPTIONS ? app.status : 'submitted') as ApplicationStatus;
  const waiting = reads.tasks
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
  const heldDetails = (reads.held?.details ?? {}) as {
    plotId?: string;
    score?: number;
    candidates?: string[];
  };
  const candidates = (heldDetails.candidates ?? []).slice(0, 20);
  const plotIds = [...candidates, ...(plotId ? [plotId] : [])];
  const plots = plotIds.length > 0 ? await repository.getPlots(plotIds) : new Map<string, PlotRecord>();
  const zoneIds = [...new Set([...plots.values()].map((p) => p.zoneId))];
  const zones = new Map(await Promise.all(zoneIds.map(async (id) => [id, await reads.zoneOf(id)] as const)));
  const plotAndZone = (id: string) => {
    const plot = plots.get(id);
    return { plot, zone: plot ? zones.get(plot.zoneId) : undefined };
  };
  const scores = scoresOf(app, plots, zones);
  const heldPlot = plotId ? plotAndZone(plotId) : undefined;
  const heldScore = plotId ? (scores.get(plotId) ?? null) : null;
  const matchedSites = candidates.map((candidate, i) => {
    const isHeld = candidate === heldDetails.plotId;
    if (isHeld) {
      return {
        plotId: candidate,
        rank: i + 1,
        held: true,
        score: typeof heldDetails.score === 'number' ? heldDetails.score : null,
        breakdown: candidate === plotId ? (heldScore?.breakdown ?? null) : null,
        sample: true as const,
      };
    }
    const now = scores.get(candidate);
    return {
      plotId: candidate,
      rank: i + 1,
      held: false,
      score: now?.score ?? null,
      breakdown: now?.breakdown ?? null,
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
      plotId && heldPlot
        ? {
            plotId,
            zoneId: heldPlot.plot?.zoneId ?? str(app.zoneId) ?? '',
            zoneName: heldPlot.zone?.name ?? null,
            areaHa: heldPlot.plot?.areaHa ?? null,
            state: allocated ? 'allocated' : 'held',
            since: str(allocated ? app.allocatedAt : app.heldAt),
            holdExpiresAt: allocated ? null : str(app.holdExpiresAt),
            clearance: heldPlot.plot?.clearance?.status ?? null,
            sample: true,
          }
        : null,
    waitingReason: str(app.waitingReason),
    closedReason: str(app.closedReason),
    certificateReference,
    sample: { plots: true, certificateReference: certificateReference?.startsWith('LC-') ?? false },
  };
}
