/**
 * Step 4: the land-clearance checks on the held plot, run concurrently on the live state: the plot's
 * clearance (done / in progress / disputed), sector and planning conformity, utilities capacity, and the
 * environmental screen from the route. Each check is pure (data in, verdict out); `checkSite` reads the
 * plot and zone once (one BatchGetItem) and acts on the combined verdict:
 * - every check passes → `clear` (on to approvals);
 * - a blocker no wait can lift (disputed land, sector not allowed, capacity short, no treatment for a
 *   polluting project) → the hold is released and the next candidate is tried (`next-candidate`), bounded;
 * - only clearance still in progress → `wait-clearance` (the ClearanceWait fragment wakes on the zone
 *   manager's update).
 * The zone manager is told of any blocker (SiteBlocked).
 *
 * One Lambda runs the four checks (Promise.all) rather than a Parallel state of four tasks: same
 * concurrency, five fewer state transitions and three fewer invocations per application.
 */
import type { Plot, Zone } from '#shared/catalog/schema.ts';
import type { Enquiry } from '#shared/enquiry/schema.ts';
import type { Route } from '#shared/routing/types.ts';
import { eventId } from './events.ts';
import { CandidatesExhaustedError } from './input.ts';
import { appendOnce, setStatus, type WorkflowDeps } from './record.ts';

export type CheckName = 'clearance' | 'sector-and-planning' | 'utilities' | 'environment';
export interface Blocker {
  check: CheckName;
  code: string;
  message: string;
  /** 'wait': clearance in progress, the plot may still come; 'move': this plot cannot take the project. */
  remedy: 'wait' | 'move';
}
export interface CheckVerdict {
  check: CheckName;
  passed: boolean;
  blockers: Blocker[];
  notes: string[];
}

const verdict = (check: CheckName, blockers: Blocker[], notes: string[] = []): CheckVerdict => ({
  check,
  passed: blockers.length === 0,
  blockers,
  notes,
});

export function checkClearance(plot: Pick<Plot, 'clearance'>): CheckVerdict {
  const c = plot.clearance;
  switch (c.status) {
    case 'cleared':
      return verdict('clearance', []);
    case 'disputed':
      return verdict('clearance', [
        {
          check: 'clearance',
          code: 'CLEARANCE_DISPUTED',
          message: 'the land clearance is disputed',
          remedy: 'move',
        },
      ]);
    case 'compensation_in_progress':
      return verdict('clearance', [
        {
          check: 'clearance',
          code: 'CLEARANCE_IN_PROGRESS',
          message: `compensation ${c.compensationPercent}% done, expected ${c.expectedDate}`,
          remedy: 'wait',
        },
      ]);
    case 'not_started':
      return verdict('clearance', [
        {
          check: 'clearance',
          code: 'CLEARANCE_NOT_STARTED',
          message: `clearance not started${c.expectedDate ? `, expected ${c.expectedDate}` : ''}`,
          remedy: 'wait',
        },
      ]);
    default: {
      const never: never = c;
      throw new Error(`unknown clearance ${JSON.stringify(never)}`);
    }
  }
}

export function checkSectorAndPlanning(zone: Zone, enquiry: Enquiry): CheckVerdict {
  const blockers: Blocker[] = [];
  const { code, version } = enquiry.project.vsic;
  const allowed = zone.allowedSectors.some((s) => s.code === code && s.version === version);
  if (!allowed) {
    blockers.push({
      check: 'sector-and-planning',
      code: 'SECTOR_NOT_ALLOWED',
      message: `VSIC ${code} (${version}) is not among ${zone.name}'s allowed sectors`,
      remedy: 'move',
    });
  }
  if (zone.status === 'planned') {
    blockers.push({
      check: 'sector-and-planning',
      code: 'ZONE_PLANNED',
      message: `${zone.name} is only planned: no land use planning to conform to yet`,
      remedy: 'move',
    });
  }
  return verdict('sector-and-planning', blockers);
}

export function checkUtilities(zone: Zone, enquiry: Enquiry): CheckVerdict {
  const blockers: Blocker[] = [];
  const notes: string[] = [];
  const need = enquiry.utilitiesNeeded;
  const u = zone.utilities;
  const compare = (what: string, needed: number, capacity: number | null, code: string) => {
    if (needed <= 0) return;
    if (capacity === null) notes.push(`${what} capacity unknown: to confirm with the zone`);
    else if (needed > capacity)
      blockers.push({
        check: 'utilities',
        code,
        message: `${what} needed ${needed}, zone capacity ${capacity}`,
        remedy: 'move',
      });
  };
  compare('power (kVA)', need.powerKva, u.power.capacityKva, 'POWER_INSUFFICIENT');
  compare('water (m³/day)', need.waterM3PerDay, u.water.capacityM3PerDay, 'WATER_INSUFFICIENT');
  compare(
    'wastewater (m³/day)',
    need.wastewaterM3PerDay,
    u.wastewater.capacityM3PerDay,
    'WASTEWATER_INSUFFICIENT',
  );
  return verdict('utilities', blockers, notes);
}

/** A polluting project (an EIA or Group I/II) needs the zone's central wastewater treatment. */
export function checkEnvironment(
  zone: Zone,
  enquiry: Enquiry,
  route: Pick<Route, 'environment'>,
): CheckVerdict {
  const env = route.environment;
  const polluting = env.eia === true || env.group === 'I' || env.group === 'II';
  const wastewater = enquiry.environmentalSelfDeclaration.wastewaterM3PerDay > 0;
  if (polluting && wastewater && zone.utilities.wastewater.centralTreatment === false) {
    return verdict('environment', [
      {
        check: 'environment',
        code: 'NO_CENTRAL_TREATMENT',
        message: `environmental group ${env.group} with wastewater, and ${zone.name} has no central treatment plant`,
        remedy: 'move',
      },
    ]);
  }
  const notes = env.eia === true ? [`EIA required (group ${env.group}), appraised by ${env.appraiser}`] : [];
  return verdict('environment', [], notes);
}

export interface CheckSiteInput {
  applicationId: string;
  investorId: string;
  plotId: string;
  zoneId: string;
  enquiry: Enquiry;
  route: Pick<Route, 'environment'>;
  /** Candidates already left because of a blocker (this one not counted). */
  moves: number;
  maxMoves: number;
  at: string;
}
export type CheckOutcome = 'clear' | 'next-candidate' | 'wait-clearance';

export async function checkSite(deps: WorkflowDeps, input: CheckSiteInput) {
  const { repository } = deps;
  const { plot, zone } = await repository.getPlotAndZone(input.plotId, input.zoneId);
  if (!plot || !zone) throw new Error(`plot ${input.plotId} or zone ${input.zoneId} no longer exists`);
  const verdicts = await Promise.all([
    Promise.resolve(checkClearance(plot)),
    Promise.resolve(checkSectorAndPlanning(zone, input.enquiry)),
    Promise.resolve(checkUtilities(zone, input.enquiry)),
    Promise.resolve(checkEnvironment(zone, input.enquiry, input.route)),
  ]);
  const blockers = verdicts.flatMap((v) => v.blockers);
  const outcome: CheckOutcome = blockers.some((b) => b.remedy === 'move')
    ? 'next-candidate'
    : blockers.length > 0
      ? 'wait-clearance'
      : 'clear';
  const { applicationId, at } = input;
  const n = `${input.plotId}-${input.moves}-${at}`;
  if (outcome === 'clear') {
    // Not `in-approval` yet: that is set when a stage's inbox task is written (approval-stage.ts), so the
    // investor never sees "in approval" with no task an official could act on; a route without approval
    // stages goes from here to `allocated`.
    await setStatus(repository, applicationId, 'checking-clearance', { checks: verdicts });
    await appendOnce(repository, applicationId, {
      eventId: `checked-${input.plotId}-${Date.parse(at)}`,
      at,
      what: 'site.checked',
      who: 'system',
      details: { plotId: input.plotId, verdicts },
    });
    return { outcome, blockers };
  }
  if (outcome === 'next-candidate' && input.moves + 1 > input.maxMoves) {
    throw new CandidatesExhaustedError(
      `plot ${input.plotId} is blocked (${blockers.map((b) => b.code).join(', ')}) and ${input.maxMoves} other candidates were already tried`,
    );
  }
  if (outcome === 'next-candidate') await repository.releasePlot(input.plotId, applicationId);
  await setStatus(
    repository,
    applicationId,
    outcome === 'next-candidate' ? 'matching' : 'waiting-for-clearance',
    {
      checks: verdicts,
    },
  );
  await appendOnce(repository, applicationId, {
    eventId: `blocked-${input.plotId}-${Date.parse(at)}`,
    at,
    what: outcome === 'next-candidate' ? 'site.blocked.next-candidate' : 'site.blocked.waiting-for-clearance',
    who: 'system',
    details: { plotId: input.plotId, zoneId: input.zoneId, blockers },
  });
  const reasons = blockers.map((b) => ({ code: b.code, message: b.message }));
  await deps.publish([
    {
      name: 'SiteBlocked',
      detail: {
        eventId: eventId(applicationId, 'blocked', n),
        applicationId,
        at,
        audience: [
          { kind: 'zone-manager', id: input.zoneId },
          { kind: 'investor', id: input.investorId },
        ],
        plotId: input.plotId,
        zoneId: input.zoneId,
        blockers: reasons,
        next: outcome === 'next-candidate' ? 'next-candidate' : 'wait-for-clearance',
      },
    },
    ...(outcome === 'next-candidate'
      ? [
          {
            name: 'PlotReleased' as const,
            detail: {
              eventId: eventId(applicationId, 'released', n),
              applicationId,
              at,
              audience: [{ kind: 'zone-manager' as const, id: input.zoneId }],
              plotId: input.plotId,
              zoneId: input.zoneId,
              why: reasons
                .map((r) => r.message)
                .join('; ')
                .slice(0, 1_000),
            },
          },
        ]
      : []),
  ]);
  return { outcome, blockers };
}
