/**
 * The end-to-end journey over HTTP, for each route the workflow knows (scripts/journey.ts, the same steps
 * `npm run demo` runs against a running stack): the investor applies, the officials decide through
 * `POST /tasks/{id}/decision`, the investor answers or withdraws, and sees each step on the timeline. On the
 * local cloud (real gateway, route and workflow Lambdas, the engine on a TestClock, DynamoDB Local with the
 * Lào Cai catalog); every reply is validated against `/openapi.json`. No step needs time to pass, so the
 * TestClock stays put: nothing sleeps for time, the journey only polls (bounded) for the workflow's steps.
 *
 * Then `npm run demo` as a newcomer runs it, against the same running cloud (one harness for both files'
 * tests: the cloud's start is most of either's time): the script itself (scripts/demo.ts, a child process
 * through `npm run demo`) pointed at the cloud's gateway by `API_URL` (the same synthesized app, gateway,
 * Lambdas, engine and DynamoDB Local that `npm start` serves, with its synthesis cached between runs;
 * `npm start` synthesizes afresh, minutes on a busy machine). Proves the script's own parts: it finds the
 * stack, runs the journeys, prints each step as it happens with who acted, and exits 0; and with nothing
 * listening it says how to start one and exits 1.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, JOURNEYS, runJourney } from '../../scripts/journey.ts';
import { openApiCheck } from '../helpers/openapi-check.ts';
import { type ApiHarness, startApiHarness } from '../integration/api-harness.ts';

const root = new URL('../..', import.meta.url);

interface Run {
  code: number | null;
  out: string;
  /** Milliseconds after the start at which each stdout chunk arrived. */
  arrivals: number[];
}

function demo(apiUrl: string, args: string[] = []): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn('npm', ['run', '--silent', 'demo', '--', ...args], {
      cwd: root,
      env: { ...process.env, API_URL: apiUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const arrivals: number[] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      arrivals.push(Date.now() - t0);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, arrivals }));
  });
}

/** A port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

let h: ApiHarness;
let api: ApiClient;
let checked: () => number;
beforeAll(async () => {
  h = await startApiHarness({
    throttle: 'none',
    workflow: { clock: { start: Date.now() }, lambdaEnv: { POWERTOOLS_LOG_LEVEL: 'WARN' } },
  });
  const check = await openApiCheck(h.gateway.url);
  checked = check.checked;
  api = new ApiClient(h.gateway.url, check);
}, 1_200_000);
afterAll(async () => h?.close());

describe('the journey over HTTP, for each route', { timeout: 300_000 }, () => {
  for (const journey of JOURNEYS) {
    it(journey.name, async () => {
      const lines: string[] = [];
      const before = checked();
      const outcome = await runJourney(journey, { api, log: (l) => lines.push(l), pollMs: 50 });
      expect(outcome.status).toBe(journey.ends);
      const types = outcome.timeline.map((e) => e.type);
      expect(types).toEqual(expect.arrayContaining(journey.timeline));
      // The investor sees who acted and, on approval steps, the legal basis and the due date.
      for (const e of outcome.timeline.filter((t) => t.type === 'approval.task-created')) {
        expect(e.legalBasis).toEqual(expect.any(String));
        expect(e.dueAt).toEqual(expect.any(String));
      }
      if (journey.plan === 'reject') expect(outcome.actions[0]).toMatch(/^reject:/);
      if (journey.plan === 'withdraw') expect(outcome.actions).toEqual([expect.stringMatching(/^withdrew:/)]);
      if (journey.plan === 'information-loop') {
        expect(outcome.actions.slice(0, 2)).toEqual([
          expect.stringMatching(/^request-information:/),
          expect.stringMatching(/^answered:/),
        ]);
      }
      const execution = await h.workflow.waitForExecution(outcome.applicationId);
      if (journey.ends === 'allocated') expect(execution.status).toBe('SUCCEEDED');
      else expect(execution.status).not.toBe('RUNNING');
      // Plots are released by rejection and withdrawal, allocated otherwise.
      const app = await h.repository.getApplication(outcome.applicationId);
      const plotId = String(app?.allocatedPlotId ?? app?.plotId);
      const plot = await h.repository.getPlot(plotId);
      if (journey.ends === 'allocated')
        expect(plot).toMatchObject({ status: 'allocated', allocatedTo: outcome.applicationId });
      else expect(plot?.holderApplicationId).not.toBe(outcome.applicationId);
      expect(checked() - before).toBeGreaterThan(5);
      console.log(`${journey.name}\n${lines.join('\n')}`);
    });
  }
});

describe('npm run demo', { timeout: 300_000 }, () => {
  it('runs the chosen journeys against a running stack, printing each step as it happens', async () => {
    // Journeys 2 (foreign investor: the certificate stage) and 4 (information loop).
    const run = await demo(h.gateway.url, ['2', '4']);
    expect(run.code, run.out).toBe(0);
    expect(run.out).toContain('2 of 2 journeys done');
    const lines = run.out.split('\n');
    for (const [journey, end] of [
      ['[2/6] foreign investor', 'allocated'],
      ['[4/6] information loop', 'allocated'],
    ] as const) {
      const start = lines.findIndex((l) => l.startsWith(journey));
      expect(start, journey).toBeGreaterThanOrEqual(0);
      const next = lines.findIndex((l, i) => i > start && /^\[\d\/6\]/.test(l));
      const own = lines.slice(start + 1, next < 0 ? undefined : next).join('\n');
      expect(own).toContain('applied: POST /applications -> 202');
      expect(own).toMatch(/decided approve on irc: POST \/tasks\/\{id\}\/decision -> 200/);
      expect(own).toMatch(new RegExp(`=> ${end} in [0-9.]+ s`));
    }
    // The timeline's actors read as the demo users, not as token subjects.
    expect(run.out).toMatch(/timeline: application\.submitted by investor-binh/);
    expect(run.out).toMatch(/timeline: approval\.approved by officer-zone-board \(basis: /);
    expect(run.out).toMatch(/investor-binh answered the request on irc/);
    expect(run.out).not.toMatch(/by [0-9a-f]{8}-[0-9a-f]{4}-/);
    // Printed as it happens: the output came in many pieces over the run, not at the end.
    expect(run.arrivals.length).toBeGreaterThan(10);
    expect((run.arrivals.at(-1) ?? 0) - (run.arrivals[0] ?? 0)).toBeGreaterThan(1_000);
  });

  it('says how to start the stack when nothing answers, and exits 1', async () => {
    const run = await demo(`http://127.0.0.1:${await closedPort()}`);
    expect(run.code).toBe(1);
    expect(run.out).toContain('No local cloud answers at');
    expect(run.out).toContain('npm start');
  });
});
