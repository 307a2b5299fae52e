/**
 * Every event-pattern case recorded against AWS (`../shared/eventbridge-patterns/cases`, beside the
 * checkout; EVENTBRIDGE_PATTERNS_DIR points elsewhere) through the local EventBridge over HTTP with
 * @aws-sdk/client-eventbridge: TestEventPattern answers as AWS did (match, no match, or the exact
 * InvalidEventPatternException message), PutRule accepts or refuses the pattern alike, and the rule it
 * stores routes the case's event (the matcher PutEvents uses) exactly when AWS matched. No known failures.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  EventBridgeClient,
  InvalidEventPatternException,
  PutRuleCommand,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flattenEvent } from '#local/events/pattern.ts';
import { type StepFunctionsService, startStepFunctions } from '#local/sfn/index.ts';

interface PatternCase {
  name: string;
  event: Record<string, unknown>;
  pattern: unknown;
  expected: { match: boolean } | { error: string; message: string };
}

const repoRoot = new URL('../../', import.meta.url);
const casesDir =
  process.env.EVENTBRIDGE_PATTERNS_DIR ??
  fileURLToPath(new URL('../shared/eventbridge-patterns/cases/', repoRoot));

function loadCases(): PatternCase[] {
  if (!existsSync(casesDir)) {
    throw new Error(
      `The EventBridge pattern cases are not at ${casesDir}: put the shared/ folder beside the checkout (as CI has it) or set EVENTBRIDGE_PATTERNS_DIR to the cases folder.`,
    );
  }
  return readdirSync(casesDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(`${casesDir}/${f}`, 'utf8')) as PatternCase);
}

const cases = loadCases();
let service: StepFunctionsService;
let client: EventBridgeClient;

beforeAll(async () => {
  service = await startStepFunctions({ port: 0, inMemory: true });
  client = new EventBridgeClient({
    endpoint: service.endpoint,
    region: 'ap-southeast-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client?.destroy();
  await service?.close();
});

/** What the local service answers: the match, or the error's code and message. */
async function answer(send: () => Promise<boolean>): Promise<PatternCase['expected']> {
  try {
    return { match: await send() };
  } catch (err) {
    const e = err as Error & { name: string };
    return { error: e.name, message: e.message };
  }
}

describe('EventBridge event patterns recorded against AWS', () => {
  it('finds the recorded cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(79);
  });

  it.each(cases.map((c, i) => [c.name, c, i] as const))('TestEventPattern: %s', async (_name, c) => {
    const got = await answer(async () => {
      const out = await client.send(
        new TestEventPatternCommand({
          EventPattern: JSON.stringify(c.pattern),
          Event: JSON.stringify(c.event),
        }),
      );
      return out.Result === true;
    });
    expect(got).toEqual(c.expected);
  });

  it.each(cases.map((c, i) => [c.name, c, i] as const))('PutRule and routing: %s', async (_name, c, i) => {
    const bus = `conformance-${i}`;
    const put = client.send(
      new PutRuleCommand({ Name: `case-${i}`, EventBusName: bus, EventPattern: JSON.stringify(c.pattern) }),
    );
    if ('error' in c.expected) {
      await expect(put).rejects.toBeInstanceOf(InvalidEventPatternException);
      await expect(put).rejects.toThrow(c.expected.message);
      return;
    }
    await put;
    const routed = await service.events.matchingRules(bus, flattenEvent(c.event));
    expect(routed.map((r) => r.name)).toEqual(c.expected.match ? [`case-${i}`] : []);
  });
});
