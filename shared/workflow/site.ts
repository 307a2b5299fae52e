/**
 * Steps 2 and 3: match sites on the live plot state and hold the best plot. A plot lost to a concurrent
 * application (PlotUnavailableError) moves to the next candidate; when every candidate of a round was
 * taken, matching runs again on the new live state (bounded). No plot at all: the application waits for
 * capacity, and the investor and the zone boards concerned are told why (an event; the notifications issue
 * delivers it). Idempotent: a re-run that finds the application already holding a plot returns that hold.
 */
import type { Enquiry } from '#shared/enquiry/schema.ts';
import { type MatchResult, matchSites } from '#shared/matching/match-sites.ts';
import {
  ApplicationHoldsAnotherPlotError,
  type PlotRecord,
  PlotUnavailableError,
  type Repository,
} from '#shared/repository/index.ts';
import { type Audience, eventId } from './events.ts';
import { appendOnce, setStatus, type WorkflowDeps } from './record.ts';

export interface MatchAndHoldInput {
  applicationId: string;
  investorId: string;
  enquiry: Enquiry;
  /** Plots this application already left (blocked by a check): never matched again. */
  excluded: string[];
  /** 1 for the first match, n for the n-th re-match while waiting for capacity. */
  attempt: number;
  at: string;
}

export interface HeldSite {
  found: true;
  plotId: string;
  zoneId: string;
  zoneKind: string;
  /** Candidates lost to concurrent applications before this one was held. */
  lost: string[];
}
export interface NoSite {
  found: false;
  summary: string;
}

/** Rounds of match → hold when every candidate of a round went to concurrent applications. */
const MAX_ROUNDS = 3;
/** Candidates tried per round. */
const CANDIDATES = 20;

/** Runs `matchSites` on the live state of every plot (one catalog snapshot read), leaving out `excluded`. */
export async function matchLive(repository: Repository, enquiry: Enquiry, excluded: ReadonlySet<string>) {
  const { zones, plots } = await repository.listCatalog();
  const live = plots.filter((plot: PlotRecord) => !excluded.has(plot.id));
  return matchSites(enquiry, { zones, plots: live }, { limit: CANDIDATES });
}

export async function matchAndHold(deps: WorkflowDeps, input: MatchAndHoldInput): Promise<HeldSite | NoSite> {
  const { repository } = deps;
  const excluded = new Set(input.excluded);
  // No read of the application first: a re-run whose first attempt already took a hold learns it from
  // the hold's own condition (ApplicationHoldsAnotherPlotError) or, when nothing else is free, below.
  const lost: string[] = [];
  let result: MatchResult | undefined;
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    result = await matchLive(repository, input.enquiry, new Set([...excluded, ...lost]));
    if (result.candidates.length === 0) break;
    for (const candidate of result.candidates) {
      try {
        await repository.holdPlot(candidate.plotId, input.applicationId, { at: input.at });
      } catch (error) {
        if (error instanceof PlotUnavailableError) {
          lost.push(candidate.plotId);
          continue;
        }
        if (error instanceof ApplicationHoldsAnotherPlotError) {
          const existing = await heldAlready(repository, input.applicationId, excluded);
          if (existing) return existing;
        }
        throw error;
      }
      await held(deps, input, result, candidate, lost);
      return {
        found: true,
        plotId: candidate.plotId,
        zoneId: candidate.zoneId,
        zoneKind: candidate.kind,
        lost,
      };
    }
  }
  // The live state lists our own hold as taken: a re-run must not report "no site" while holding one.
  const existing = await heldAlready(repository, input.applicationId, excluded);
  if (existing) return existing;
  return noSite(deps, input, result, lost);
}

/** The hold this application already has (a re-run of the step), unless it is on a plot it left. */
async function heldAlready(
  repository: Repository,
  applicationId: string,
  excluded: ReadonlySet<string>,
): Promise<HeldSite | undefined> {
  const app = await repository.getApplication(applicationId);
  if (!app?.heldPlotId || excluded.has(app.heldPlotId)) return undefined;
  const plot = await repository.getPlot(app.heldPlotId);
  const zone = plot ? await repository.getZone(plot.zoneId) : undefined;
  if (!plot || !zone) return undefined;
  return { found: true, plotId: plot.id, zoneId: zone.id, zoneKind: zone.kind, lost: [] };
}

async function held(
  deps: WorkflowDeps,
  input: MatchAndHoldInput,
  result: MatchResult,
  candidate: MatchResult['candidates'][number],
  lost: string[],
) {
  const { applicationId, at } = input;
  // The matched candidates and the held score ride on the status write the step makes anyway, so a reader
  // of the application (the API's GET /applications/{id}) has them in one item.
  await setStatus(deps.repository, applicationId, 'holding', {
    plotId: candidate.plotId,
    zoneId: candidate.zoneId,
    heldScore: candidate.score,
    matchedCandidates: result.candidates.map((c) => ({
      plotId: c.plotId,
      zoneId: c.zoneId,
      rank: c.rank,
      score: c.score,
    })),
  });
  await appendOnce(deps.repository, applicationId, {
    eventId: `held-${candidate.plotId}`,
    at,
    what: 'plot.held',
    who: 'system',
    details: {
      plotId: candidate.plotId,
      zoneId: candidate.zoneId,
      score: candidate.score,
      rank: candidate.rank,
      candidates: result.candidates.map((c) => c.plotId),
      lostToConcurrentApplications: lost,
    },
  });
  const base = { applicationId, at };
  await deps.publish([
    {
      name: 'SitesMatched',
      detail: {
        ...base,
        eventId: eventId(applicationId, 'matched', candidate.plotId),
        audience: [{ kind: 'investor', id: input.investorId }],
        candidates: result.candidates.map((c) => c.plotId),
        totalEligible: result.totalEligible,
      },
    },
    {
      name: 'PlotHeld',
      detail: {
        ...base,
        eventId: eventId(applicationId, 'held', candidate.plotId),
        audience: [
          { kind: 'investor', id: input.investorId },
          { kind: 'zone-manager', id: candidate.zoneId },
        ],
        plotId: candidate.plotId,
        zoneId: candidate.zoneId,
      },
    },
  ]);
}

/** Zones whose board can do something about it: those that take the sector but had no plot that fits. */
function zonesConcerned(result: MatchResult | undefined) {
  const blockedByLand = new Set(['NO_PLOTS', 'NO_SUITABLE_PLOT', 'ZONE_NOT_READY_IN_TIME']);
  return (result?.excludedZones ?? [])
    .filter((z) => z.reasons.some((r) => blockedByLand.has(r.code)))
    .slice(0, 50)
    .map((z) => ({ zoneId: z.zoneId, reasons: z.reasons.slice(0, 20) }));
}

async function noSite(
  deps: WorkflowDeps,
  input: MatchAndHoldInput,
  result: MatchResult | undefined,
  lost: string[],
): Promise<NoSite> {
  const { applicationId, at, attempt } = input;
  const summary = (
    lost.length > 0
      ? `every fitting plot was taken by other applications (${lost.length} tried)`
      : (result?.explanation?.summary ?? 'no plot fits the enquiry')
  ).slice(0, 2_000);
  const zones = zonesConcerned(result);
  await setStatus(deps.repository, applicationId, 'waiting-for-capacity', { waitingReason: summary });
  await appendOnce(deps.repository, applicationId, {
    eventId: `no-site-${attempt}`,
    at,
    what: 'sites.none',
    who: 'system',
    details: {
      summary,
      attempt,
      zones: zones.map((z) => z.zoneId),
      closest: result?.explanation?.closest ?? [],
    },
  });
  const audience: Audience[] = [
    { kind: 'investor', id: input.investorId },
    ...zones.map((z) => ({ kind: 'zone-board' as const, id: z.zoneId })),
  ];
  await deps.publish([
    {
      name: 'NoSiteFound',
      detail: {
        eventId: eventId(applicationId, 'no-site', attempt),
        applicationId,
        at,
        audience: audience.slice(0, 50),
        summary,
        zones,
        attempt,
      },
    },
  ]);
  return { found: false, summary };
}
