import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ApplicationHoldsAnotherPlotError,
  PlotNotHeldError,
  PlotUnavailableError,
  type Repository,
  TransactionContentionError,
} from '#shared/repository/index.ts';
import { samplePlot, sampleZone, useDynamoDbLocal } from '../helpers/dynamodb.ts';

const db = useDynamoDbLocal();

const APPS = 4;
const PLOTS = 3;

const HOUR = 3_600_000;

/** `expiresInHours` 0 = a hold without expiry; the clock moves one hour per round, so holds expire. */
type Op = { kind: 'hold' | 'release' | 'allocate'; app: number; plot: number; expiresInHours: number };

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom('hold', 'hold', 'release', 'allocate'),
  app: fc.integer({ min: 0, max: APPS - 1 }),
  plot: fc.integer({ min: 0, max: PLOTS - 1 }),
  expiresInHours: fc.integer({ min: 0, max: 3 }),
});

/** Refusals the rules allow; anything else is a bug. */
const EXPECTED = [
  PlotUnavailableError,
  ApplicationHoldsAnotherPlotError,
  PlotNotHeldError,
  TransactionContentionError,
];

async function run(
  repo: Repository,
  op: Op,
  now: Date,
  appId: (i: number) => string,
  plotId: (i: number) => string,
) {
  try {
    if (op.kind === 'hold') {
      const expiresAt = op.expiresInHours ? new Date(now.getTime() + op.expiresInHours * HOUR) : undefined;
      await repo.holdPlot(plotId(op.plot), appId(op.app), { expiresAt });
    } else if (op.kind === 'release') await repo.releasePlot(plotId(op.plot), appId(op.app));
    else await repo.allocatePlot(plotId(op.plot), appId(op.app));
  } catch (error) {
    if (!EXPECTED.some((E) => error instanceof E)) throw error;
  }
}

describe('plot holds under random concurrent interleavings', () => {
  it('never leave a plot held twice, and the plot and application records always agree, expired holds included', async () => {
    let now = new Date('2026-03-01T00:00:00Z');
    const repo = db.repository({ now: () => now });
    let runId = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(opArb, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 5 }),
        async (rounds) => {
          const zoneId = `prop${runId++}`;
          const appId = (i: number) => `${zoneId}-app${i}`;
          const plotId = (i: number) => `${zoneId}-p${i}`;
          await repo.seedCatalog({
            version: 'prop',
            zones: [sampleZone(zoneId)],
            plots: Array.from({ length: PLOTS }, (_, i) => samplePlot(plotId(i), zoneId, { areaHa: i + 1 })),
          });
          for (let i = 0; i < APPS; i++) {
            await repo.createApplication({ id: appId(i), investorId: 'inv', status: 'submitted' });
          }

          for (const round of rounds) {
            // Each round's operations run at the same time: a real interleaving, not a simulated one.
            now = new Date(now.getTime() + HOUR);
            await Promise.all(round.map((op) => run(repo, op, now, appId, plotId)));

            const plots = await Promise.all(Array.from({ length: PLOTS }, (_, i) => repo.getPlot(plotId(i))));
            const apps = await Promise.all(
              Array.from({ length: APPS }, (_, i) => repo.getApplication(appId(i))),
            );
            for (const plot of plots) {
              if (!plot) throw new Error('plot vanished');
              const holders = apps.filter((a) => a?.heldPlotId === plot.id);
              const owners = apps.filter((a) => a?.allocatedPlotId === plot.id);
              if (plot.status === 'available') {
                expect(plot.holderApplicationId).toBeUndefined();
                expect(holders).toHaveLength(0);
                expect(owners).toHaveLength(0);
              } else if (plot.status === 'held') {
                expect(holders.map((a) => a?.id)).toEqual([plot.holderApplicationId]);
                expect(owners).toHaveLength(0);
              } else {
                expect(owners.map((a) => a?.id)).toEqual([plot.allocatedTo]);
                expect(holders).toHaveLength(0);
              }
            }
            for (const app of apps) {
              expect(app?.heldPlotId !== undefined && app?.allocatedPlotId !== undefined).toBe(false);
            }

            const occupancy = await repo.zoneOccupancy(zoneId);
            expect(occupancy.totalPlots).toBe(PLOTS);
            expect(occupancy.plots.available + occupancy.plots.held + occupancy.plots.allocated).toBe(PLOTS);
            expect(occupancy.plots.held).toBe(apps.filter((a) => a?.heldPlotId).length);
            expect(occupancy.plots.allocated).toBe(apps.filter((a) => a?.allocatedPlotId).length);
            expect(occupancy.areaHa.available + occupancy.areaHa.held + occupancy.areaHa.allocated).toBe(
              occupancy.totalAreaHa,
            );
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
