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

  it(`keeps each bundle within its budget (${BUDGET_BYTES / 1024} KiB minified)`, () => {
    const over = bundles
      .filter((b) => b.bytes > BUDGET_BYTES)
      .map((b) => `${b.logicalId}: ${(b.bytes / 1024).toFixed(1)} KiB > ${BUDGET_BYTES / 1024} KiB`);
    expect(over, 'over budget').toEqual([]);
  });

  it('bundles zod/mini only: no classic zod in any function', () => {
    // Classic zod's methods reach every schema type and its JSON-schema generator: one module importing
    // `zod` instead of `shared/zod.ts` (zod/mini) brings about 60 KiB back into every bundle that loads it
    // (the four largest functions were 424-437 KiB with it). `scripts/bundle-report.ts --zod` names the file.
    // The one exception is zod-openapi's: version 5 imports `object`, `registry` and `toJSONSchema` from
    // classic `zod/v4` itself, so the OpenAPI document's function (about 171 KiB) carries classic zod.
    const checked = bundles.filter((b) => !b.sources.some((s) => s.includes('node_modules/zod-openapi/')));
    expect(bundles.length - checked.length).toBeLessThanOrEqual(1);
    for (const b of checked) {
      expect(
        b.sources.filter((s) => /node_modules\/zod\/(index\.js|v4\/classic\/)/.test(s)),
        b.logicalId,
      ).toEqual([]);
    }
    const withZod = bundles.filter((b) => b.sources.some((s) => s.includes('node_modules/zod/v4/mini/')));
    expect(withZod.length).toBeGreaterThan(0);
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
