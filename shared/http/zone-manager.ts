/**
 * What the zone managers' handlers share: the zone scope check (a zone manager acts on the zones of their
 * token's `custom:zones`, an admin on any) and the plot as they see it.
 */
import type { PlotRecord } from '../repository/index.ts';
import type { Caller } from './auth.ts';
import { ForbiddenError } from './errors.ts';

/** Throws ForbiddenError unless the caller is an admin or manages `zoneId`. */
export function assertManagesZone(caller: Caller, zoneId: string): void {
  if (caller.roles.includes('admin')) return;
  if (!caller.roles.includes('zone-manager') || !caller.zones.includes(zoneId)) {
    throw new ForbiddenError(
      `zone ${zoneId} is not in the caller's zones (${caller.zones.join(', ') || 'none'})`,
    );
  }
}

/** A plot with its live state (status, clearance, holder, hold expiry), without storage bookkeeping. */
export function plotView(plot: PlotRecord) {
  const { catalogVersion: _version, ...view } = plot;
  return view;
}
