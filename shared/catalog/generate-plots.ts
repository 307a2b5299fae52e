/**
 * Regenerates plots.generated.json from zones.json: `npx tsx shared/catalog/generate-plots.ts`.
 * Run it after changing a zone's figures; the unit tests fail if the committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import * as z from '../zod.ts';
import { generatePlots, SAMPLE_SEED } from './plots.ts';
import { ZoneSchema } from './schema.ts';
import zonesFile from './zones.json' with { type: 'json' };

/** The file's full text, one plot per line so diffs stay readable. */
export function renderPlotsFile(seed: number = SAMPLE_SEED): string {
  const zones = z.array(ZoneSchema).parse(zonesFile.zones);
  const plots = generatePlots(zones, seed);
  const head = {
    dataNotice:
      'SAMPLE DATA. Plot-level detail for Lào Cai zones is not public: these plots are generated deterministically by shared/catalog/plots.ts from the seed below and calibrated to the zone figures in zones.json. Investors, sizes, prices and clearance states are illustrative, not real.',
    sampleGeneration: { seed, generator: 'shared/catalog/plots.ts', plotsAreSample: true },
  };
  const lines = plots.map((p) => `    ${JSON.stringify(p)}`).join(',\n');
  const headText = JSON.stringify(head, null, 2).slice(0, -2);
  return `${headText},\n  "plots": [\n${lines}\n  ]\n}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const target = new URL('./plots.generated.json', import.meta.url);
  writeFileSync(target, renderPlotsFile());
  console.log(`wrote ${target.pathname}`);
}
