/**
 * Every Lambda bundle of the synthesized template stays within its budget. The template is read, not a
 * list of functions, so a function added to the stack is covered the day it is added.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { STACK_NAME } from '#infra/app.ts';
import { synthesizedApp } from '../helpers/synth.ts';

/** 400 KiB minified per function (source maps excluded): the budget for size and cold start. */
const BUDGET_BYTES = 400 * 1024;

/**
 * Functions still over the 400 KiB budget, by logical-ID prefix, each with its own ceiling (about 4 KiB above
 * its size on 2026-12-02; the answer route's lowered when the paged routes stopped loading the catalog
 * schemas, 440 -> 431 KiB): a known debt, not a pass (issue 6 stays open on it). What keeps them over is
 * classic zod, about 97 KiB in every bundle (its methods reach every schema type and the JSON-schema
 * generator): the same schemas in `zod/mini` come to about 36 KiB (measured with esbuild), but only in a
 * bundle whose every schema is mini (one classic schema brings all of classic back, and a bundle with both
 * pays about 6 KiB more than classic alone). Beside it Route and ApplyReview carry the routing rule sets with
 * their legal sources (about 63 KiB), ApprovalSchedule the holiday calendar (23 KiB) and Powertools
 * Metrics, the investors' answer route (`POST /applications/{id}/responses`) the calendar and the DynamoDB,
 * Step Functions and EventBridge clients. `npx tsx scripts/bundle-report.ts <name>` prints what is in one.
 */
const OVER_BUDGET: Record<string, number> = {
  WorkflowRouteStep: 437 * 1024,
  WorkflowApplyReviewStep: 439 * 1024,
  WorkflowApprovalStagesApprovalSchedule: 426 * 1024,
  ApiRespondToApplication: 435 * 1024,
};

function budgetOf(logicalId: string): number {
  const prefix = Object.keys(OVER_BUDGET).find((p) => logicalId.startsWith(p));
  return prefix ? (OVER_BUDGET[prefix] as number) : BUDGET_BYTES;
}

interface Bundle {
  logicalId: string;
  dir: string;
  bytes: number;
  sources: string[];
}

/** The code of a bundle: every file of its asset except source maps. */
function codeBytes(dir: string): number {
  return readdirSync(dir)
    .filter((f) => !f.endsWith('.map'))
    .reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

/** The asset directory of each AWS::Lambda::Function: cdk.out/asset.<hash>, the hash being its S3 key. */
function bundlesOf(outdir: string): Bundle[] {
  const template = JSON.parse(readFileSync(join(outdir, `${STACK_NAME}.template.json`), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: unknown } } }>;
  };
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
    .map(([logicalId, r]) => {
      const key = r.Properties.Code?.S3Key;
      if (typeof key !== 'string' || !key.endsWith('.zip')) {
        throw new Error(
          `${logicalId}: expected a bundled asset (Code.S3Key <hash>.zip), got ${JSON.stringify(key)}`,
        );
      }
      const dir = join(outdir, `asset.${key.slice(0, -'.zip'.length)}`);
      const map = readdirSync(dir).find((f) => f.endsWith('.mjs.map'));
      const sources = map
        ? (JSON.parse(readFileSync(join(dir, map), 'utf8')) as { sources: string[] }).sources
        : [];
      return { logicalId, dir, bytes: codeBytes(dir), sources };
    });
}

describe('Lambda bundles', () => {
  let bundles: Bundle[] = [];
  // Synthesis bundles every function of the stack (one esbuild run each): minutes on a busy machine.
  beforeAll(() => {
    bundles = bundlesOf(synthesizedApp().outdir);
  }, 600_000);

  it('finds every function of the template with its bundled code', () => {
    expect(bundles.length).toBeGreaterThan(0);
    for (const b of bundles) expect(b.bytes, b.logicalId).toBeGreaterThan(1000);
  });

  it(`keeps each bundle within its budget (${BUDGET_BYTES / 1024} KiB minified unless listed)`, () => {
    const over = bundles
      .map((b) => ({ ...b, budget: budgetOf(b.logicalId) }))
      .filter((b) => b.bytes > b.budget)
      .map((b) => `${b.logicalId}: ${(b.bytes / 1024).toFixed(1)} KiB > ${b.budget / 1024} KiB`);
    expect(over, 'over budget').toEqual([]);
  });

  it('lists no budget exception for a function the template no longer has', () => {
    const unused = Object.keys(OVER_BUDGET).filter(
      (prefix) => !bundles.some((b) => b.logicalId.startsWith(prefix)),
    );
    expect(unused).toEqual([]);
  });

  it('bundles the Node ES-module builds: no browser-only SDK parts, no unused credential chain, no event streams, no endpoint cache', () => {
    // bowser is the SDK's browser user-agent parser (pulled in by the CommonJS builds); the SSO, ini and
    // process providers can never run in Lambda, where credentials come from the environment.
    // The event-stream serde is aliased away too (infra/constructs/no-event-streams.ts): no client here streams;
    // so is DynamoDB's endpoint cache with its LRU packages (infra/constructs/no-endpoint-cache.ts): never used.
    const unwanted =
      /node_modules\/(bowser|mnemonist|obliterator|@aws-sdk\/endpoint-cache|@aws-sdk\/credential-provider-(node|sso|ini|process)|@smithy\/core\/dist-es\/submodules\/event-streams)\//;
    for (const b of bundles)
      expect(
        b.sources.filter((s) => unwanted.test(s)),
        b.logicalId,
      ).toEqual([]);
  });

  it('keeps the Powertools logger in every function that logs through the task wrapper', () => {
    const wrapped = bundles.filter((b) => b.sources.some((s) => s.includes('shared/middleware/')));
    expect(wrapped.length).toBeGreaterThan(0);
    for (const b of wrapped) {
      expect(
        b.sources.some((s) => s.includes('node_modules/@aws-lambda-powertools/logger/')),
        b.logicalId,
      ).toBe(true);
    }
  });
});
