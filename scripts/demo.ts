/**
 * `npm run demo`: the end-to-end journey (scripts/journey.ts, the same steps the e2e test runs) against a
 * RUNNING local cloud (`npm start` in another terminal), printing each step as it happens: an investor
 * applies, officials decide each approval stage, the investor answers a request or withdraws, and the
 * timeline shows each step with its legal basis and due date. About a minute for every route.
 *
 *   npm run demo                 # every journey, against http://127.0.0.1:$PORT (default 3000)
 *   npm run demo -- 2 4          # only journeys 2 and 4
 *   API_URL=http://host:3000 npm run demo
 */
import { ApiClient, JOURNEYS, runJourney } from './journey.ts';

const baseUrl = process.env.API_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
const picked = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => Number.isInteger(n) && n >= 1);
const journeys = JOURNEYS.map((j, i) => ({ j, n: i + 1 })).filter(
  ({ n }) => picked.length === 0 || picked.includes(n),
);

async function main(): Promise<number> {
  try {
    const health = await fetch(`${baseUrl}/health`);
    if (health.status !== 200) throw new Error(`GET /health answered ${health.status}`);
  } catch (error) {
    console.error(
      `No local cloud answers at ${baseUrl} (${error instanceof Error ? error.message : String(error)}).\n` +
        'Start it in another terminal with `npm start` (same PORT), then run `npm run demo` again.',
    );
    return 1;
  }
  const api = new ApiClient(baseUrl);
  const started = Date.now();
  let failed = 0;
  for (const { j, n } of journeys) {
    const t0 = Date.now();
    console.log(`\n[${n}/${JOURNEYS.length}] ${j.name}`);
    try {
      const outcome = await runJourney(j, {
        api,
        log: (line) => console.log(`  +${((Date.now() - t0) / 1000).toFixed(1)}s ${line}`),
        attempts: 600,
        pollMs: 200,
      });
      console.log(
        `  => ${outcome.status} in ${((Date.now() - t0) / 1000).toFixed(1)} s (application ${outcome.applicationId})`,
      );
    } catch (error) {
      failed++;
      console.error(`  !! ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  console.log(
    `\n${journeys.length - failed} of ${journeys.length} journeys done in ${((Date.now() - started) / 1000).toFixed(1)} s` +
      `; open ${baseUrl}/openapi.json for every route.`,
  );
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
