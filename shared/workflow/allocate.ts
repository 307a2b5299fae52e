/**
 * Step 6: the hold becomes an allocation (plot status `allocated`, so the zone's occupancy and the
 * catalog statistics, computed from plot states, move with it), the certificate reference is recorded,
 * the investor and the zone manager are told. Idempotent: allocating again returns the same allocation.
 */
import { eventId } from './events.ts';
import { appendOnce, flattenApprovals, setStatus, type WorkflowDeps } from './record.ts';

export interface AllocateInput {
  applicationId: string;
  investorId: string;
  plotId: string;
  zoneId: string;
  ruleSetId: string;
  /** Approvals from the ApprovalStages fragment; a stage may carry the certificate number it issued. */
  approvals: unknown[];
  at: string;
}

/** The certificate number an approval carried (the IRC stage), else a reference derived from the case. */
export function certificateReference(
  input: Pick<AllocateInput, 'applicationId' | 'approvals' | 'at'>,
): string {
  for (const approval of flattenApprovals(input.approvals).reverse()) {
    const ref = approval.certificateReference;
    if (typeof ref === 'string' && ref.length > 0) return ref.slice(0, 120);
  }
  return `LC-${input.at.slice(0, 10).replaceAll('-', '')}-${input.applicationId}`.slice(0, 120);
}

export async function allocate(deps: WorkflowDeps, input: AllocateInput) {
  const { repository } = deps;
  const { applicationId, at } = input;
  const allocation = await repository.allocatePlot(input.plotId, applicationId, { at });
  const reference = certificateReference(input);
  const occupancy = await repository.zoneOccupancy(input.zoneId);
  await setStatus(repository, applicationId, 'allocated', { certificateReference: reference });
  await appendOnce(repository, applicationId, {
    eventId: 'allocated',
    at,
    what: 'plot.allocated',
    who: 'system',
    details: {
      plotId: input.plotId,
      zoneId: input.zoneId,
      certificateReference: reference,
      zoneOccupancy: { plots: occupancy.plots, areaHa: occupancy.areaHa },
    },
  });
  const audience = [
    { kind: 'investor' as const, id: input.investorId },
    { kind: 'zone-manager' as const, id: input.zoneId },
  ];
  await deps.publish([
    {
      name: 'ApplicationApproved',
      detail: {
        eventId: eventId(applicationId, 'approved'),
        applicationId,
        at,
        audience,
        stages: flattenApprovals(input.approvals).length,
      },
    },
    {
      name: 'PlotAllocated',
      detail: {
        eventId: eventId(applicationId, 'allocated'),
        applicationId,
        at,
        audience,
        plotId: input.plotId,
        zoneId: input.zoneId,
        certificateReference: reference,
      },
    },
  ]);
  return { allocatedAt: allocation.allocatedAt, certificateReference: reference };
}
