/**
 * `npm run demo`: the end-to-end journeys (scripts/journey.ts, the same steps the e2e test runs) against a
 * RUNNING local cloud (`npm start` in another terminal), printing each step as it happens: an investor
 * applies, officials decide each approval stage, the investor answers a request or withdraws, and the
 * timeline shows each step with who acted, its legal basis and due date.
 *
 *   npm run demo                     # the six journeys, one after the other
 *   npm run demo -- 2 4              # only journeys 2 and 4
 *   npm run demo -- --side-by-side   # all at once, each line tagged [n] (on a busy machine, slower:
 *                                    # each concurrent call starts another cold Lambda worker)
 *   API_URL=http://host:3000 npm run demo    # default http://127.0.0.1:$PORT (PORT default 3000)
 *
 * No journey waits for statutory time: each moves on decisions, answers and the workflow's own steps (a
 * reminder or a clearance re-check runs on the real clock under `npm start`, days away). The first run
 * after `npm start` meets cold Lambdas: a call whose Lambda failed (the gateway's bare 500) is repeated.
 */
import { ApiClient, JOURNEYS, runJourney } from './journey.ts';

const baseUrl = process.env.API_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
const args = process.argv.slice(2);
const oneByOne = !args.includes('--side-by-side');
const picked = args.map(Number).filter((n) => Number.isInteger(n) && n >= 1);
const journeys = JOURNEYS.map((j, i) => ({ j, n: i + 1 })).filter(
  ({ n }) => picked.length === 0 || picked.includes(n),
);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

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
  const started = Date.now();
  console.log(
    `${journeys.length} journey(s) against ${baseUrl}, ${oneByOne ? 'one by one' : 'side by side (lines tagged [n])'}:`,
  );
  for (const { j, n } of journeys) console.log(`  [${n}] ${j.name}`);
  let failed = 0;
  const run = async ({ j, n }: (typeof journeys)[number]) => {
    const t0 = Date.now();
    const tag = oneByOne ? ' ' : ` [${n}]`;
    const log = (line: string) => console.log(`${tag} +${seconds(Date.now() - t0).padStart(6)} ${line}`);
    if (oneByOne) console.log(`\n[${n}/${JOURNEYS.length}] ${j.name}`);
    const api = new ApiClient(baseUrl, undefined, { retries: 20, onRetry: log });
    try {
      const outcome = await runJourney(j, { api, log, attempts: 600, pollMs: 200 });
      log(`=> ${outcome.status} in ${seconds(Date.now() - t0)} (application ${outcome.applicationId})`);
    } catch (error) {
      failed++;
      log(`!! ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  if (oneByOne) {
    for (const journey of journeys) await run(journey);
  } else {
    console.log('');
    await Promise.all(journeys.map(run));
  }
  console.log(
    `\n${journeys.length - failed} of ${journeys.length} journeys done in ${seconds(Date.now() - started)}` +
      `; open ${baseUrl}/openapi.json for every route.`,
  );
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
