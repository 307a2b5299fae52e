/**
 * `npm run demo` as a newcomer runs it, against a running local cloud: the script itself (scripts/demo.ts,
 * a child process through `npm run demo`) pointed at the local cloud's gateway by `API_URL`. The cloud is
 * the API harness (the same synthesized app, gateway, Lambdas, engine and DynamoDB Local that `npm start`
 * serves, with its synthesis cached between runs; `npm start` synthesizes afresh, minutes on a busy
 * machine). Proves the script's own parts: it finds the stack, runs the journeys, prints each step as it
 * happens with who acted, and exits 0; and with nothing listening it says how to start one and exits 1.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
beforeAll(async () => {
  h = await startApiHarness({
    throttle: 'none',
    workflow: { clock: { start: Date.now() }, lambdaEnv: { POWERTOOLS_LOG_LEVEL: 'WARN' } },
  });
}, 1_200_000);
afterAll(async () => h?.close());

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
