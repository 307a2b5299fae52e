/**
 * The local EventBridge: pattern matches per second for a set of realistic notification rules (one
 * compiled pattern per rule, every workflow event against every rule), and PutEvents events per second
 * through the HTTP endpoint with @aws-sdk/client-eventbridge (10 entries per call, routed to the rules),
 * with the rules and deliveries in memory and in DynamoDB Local.
 */
import { performance } from 'node:perf_hooks';
import { EventBridgeClient, PutEventsCommand, PutRuleCommand } from '@aws-sdk/client-eventbridge';
import { startDynamoDbLocal } from '#local/dynamodb/launcher.ts';
import { compilePattern, flattenEvent, matchesFlat } from '#local/events/pattern.ts';
import { type StepFunctionsService, startStepFunctions } from '#local/sfn/index.ts';

const SOURCE = 'laocai.onboarding';
const BUS = 'OnboardingBus';
const ZONES = ['tang-loong', 'bac-duyen-hai', 'dong-pho-moi', 'van-ban', 'bao-thang'];

/** Rules a notifier would hold: by event name, by zone, by audience, with prefix, anything-but, numeric, $or. */
const RULES: Record<string, unknown> = {
  investorUpdates: { source: [SOURCE], detail: { audience: { kind: ['investor'] } } },
  zoneManagersHolds: {
    source: [SOURCE],
    'detail-type': ['PlotHeld', 'ClearanceBlocked', 'PlotAllocated', 'PlotReleased'],
    detail: { audience: { kind: ['zone-manager', 'zone-board'] } },
  },
  officialsTasks: {
    source: [SOURCE],
    'detail-type': [{ prefix: 'Task' }],
    detail: { audience: { kind: ['role'] } },
  },
  decisions: {
    source: [SOURCE],
    'detail-type': ['ApplicationApproved', 'ApplicationRejected', 'ApplicationWithdrawn'],
  },
  notFailures: {
    source: [SOURCE],
    'detail-type': [{ 'anything-but': ['ApplicationFailed', 'RouteDecided'] }],
  },
  overdueOrEscalated: {
    source: [SOURCE],
    $or: [{ 'detail-type': ['TaskOverdue'] }, { detail: { escalationLevel: [{ numeric: ['>=', 1] }] } }],
  },
  ...Object.fromEntries(
    ZONES.map((z) => [
      `zone-${z}`,
      { source: [SOURCE], detail: { zoneId: [z], plotId: [{ exists: true }] } },
    ]),
  ),
  auditAll: { source: [{ prefix: 'laocai.' }] },
};

const NAMES = [
  'ApplicationSubmitted',
  'SitesMatched',
  'PlotHeld',
  'ClearanceBlocked',
  'TaskCreated',
  'TaskOverdue',
];

function detail(i: number) {
  const zoneId = ZONES[i % ZONES.length] as string;
  return {
    eventId: `app-${i}:event:${i}`,
    applicationId: `app-${i}`,
    at: '2026-12-02T06:00:00.000Z',
    audience: [
      { kind: 'investor', id: `inv-${i % 37}` },
      { kind: i % 2 ? 'zone-manager' : 'role', id: i % 2 ? zoneId : 'dept-planning' },
    ],
    zoneId,
    plotId: `${zoneId}-p${i % 11}`,
    escalationLevel: i % 3,
  };
}

function event(i: number) {
  return {
    version: '0',
    id: `e-${i}`,
    'detail-type': NAMES[i % NAMES.length],
    source: SOURCE,
    account: '000000000000',
    time: '2026-12-02T06:00:00Z',
    region: 'ap-southeast-1',
    resources: [],
    detail: detail(i),
  };
}

function matcherFigures() {
  const compiled = Object.values(RULES).map((r) => compilePattern(r));
  const events = Array.from({ length: 1_000 }, (_, i) => event(i));
  let matched = 0;
  const started = performance.now();
  const rounds = 20;
  for (let r = 0; r < rounds; r++) {
    for (const e of events) {
      const flat = flattenEvent(e);
      for (const p of compiled) if (matchesFlat(p, flat)) matched++;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const matches = rounds * events.length * compiled.length;
  console.log(
    `matcher: ${compiled.length} rules × ${rounds * events.length} events = ${matches} pattern matches in ${seconds.toFixed(2)} s: ${Math.round(matches / seconds).toLocaleString('en')} matches/s (${Math.round((rounds * events.length) / seconds).toLocaleString('en')} events/s against all rules; ${matched} matched)`,
  );
}

async function putEventsFigures(label: string, service: StepFunctionsService) {
  const eb = new EventBridgeClient({
    endpoint: service.endpoint,
    region: 'ap-southeast-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  for (const [Name, pattern] of Object.entries(RULES)) {
    await eb.send(new PutRuleCommand({ Name, EventBusName: BUS, EventPattern: JSON.stringify(pattern) }));
  }
  const calls = 200;
  const concurrency = 8;
  let next = 0;
  let failed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls) {
        const n = next++;
        const out = await eb.send(
          new PutEventsCommand({
            Entries: Array.from({ length: 10 }, (_, k) => {
              const i = n * 10 + k;
              return {
                EventBusName: BUS,
                Source: SOURCE,
                DetailType: NAMES[i % NAMES.length],
                Detail: JSON.stringify(detail(i)),
              };
            }),
          }),
        );
        failed += out.FailedEntryCount ?? 0;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const delivered = (await service.events.deliveries(BUS, 'auditAll')).length;
  console.log(
    `PutEvents over HTTP, ${label}: ${calls * 10} events (${calls} calls of 10, ${concurrency} in flight) in ${seconds.toFixed(2)} s: ${Math.round((calls * 10) / seconds).toLocaleString('en')} events/s, ${failed} failed, ${delivered} delivered to the catch-all rule`,
  );
  eb.destroy();
}

export default async function bench(): Promise<void> {
  matcherFigures();
  const memory = await startStepFunctions({ port: 0, inMemory: true });
  try {
    await putEventsFigures('rules and deliveries in memory', memory);
  } finally {
    await memory.close();
  }
  const ddb = await startDynamoDbLocal();
  try {
    const durable = await startStepFunctions({ port: 0, dynamodbEndpoint: ddb.endpoint });
    try {
      await putEventsFigures('rules, deliveries and outbox in DynamoDB Local', durable);
    } finally {
      await durable.close();
    }
  } finally {
    await ddb.stop();
  }
}
