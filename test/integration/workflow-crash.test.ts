/**
 * The onboarding workflow survives its engine being killed: a real engine process
 * (local/sfn/runtime/serve-cli.ts) runs the onboarding state machine of the synthesized app on DynamoDB
 * Local (a JVM of this test process, which survives), and is SIGKILLed while a Lambda task of the workflow
 * runs and while the application waits in its approval stage (and once more right after the decision: in
 * the allocation when the poll catches its Lambda in flight, else after the end, which must change
 * nothing). Each time it is restarted and resumes the execution; the application ends `allocated`, and
 * nothing happened twice: one hold, one allocation, one timeline entry per step, each domain event once
 * (a Lambda killed in flight runs again and may send its events again, with the same eventId and the same
 * content, which is what consumers de-duplicate by), and one complete history.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListStateMachinesCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DynamoDbLocal,
  freePort,
  localDynamoDbClient,
  startDynamoDbLocal,
} from '#local/dynamodb/launcher.ts';
import { createTablesFromTemplate } from '#local/dynamodb/tables.ts';
import { DynamoStore } from '#local/sfn/runtime/dynamo-store.ts';
import type { EnquiryInput } from '#shared/enquiry/schema.ts';
import { Repository } from '#shared/repository/index.ts';
import { decideTask } from '#shared/workflow/decide.ts';
import { publishEvents } from '#shared/workflow/events.ts';
import { localSfnClient, untilServing } from '../helpers/sfn.ts';
import { synthesizedApp } from '../helpers/synth.ts';
import { waiter } from '../helpers/until.ts';
import { workflowCatalog } from '../helpers/workflow.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
/** A foreign investor's garments factory: its route has one approval stage (the certificate). */
const enquiry: EnquiryInput = {
  investor: {
    name: 'Northern Apparel Ltd',
    foreignRegistration: { country: 'KR', number: '110111-7654321' },
    country: 'KR',
    contact: { email: 'contact@apparel.example.kr', phone: '+82 2 555 0100' },
  },
  project: { name: 'Garments', vsic: { code: '1410', version: 'VSIC2018' }, description: 'Jackets' },
  landAreaHa: 2.5,
  capital: { vnd: 180_000_000_000 },
  jobs: 1200,
  desiredStartDate: '2026-12-01',
  environmentalSelfDeclaration: { appendixIIType: null, wastewaterM3PerDay: 40, hazardousWaste: false },
};
const official = { id: 'official-1', roles: ['admin'], scopes: ['*'] };

let ddb: DynamoDbLocal;
let client: DynamoDBClient;
let repository: Repository;
let sfn: SFNClient;
let eventBridge: EventBridgeClient;
let env: Record<string, string>;
let engine: ChildProcess | undefined;
let stateMachineArn: string;

async function startEngine(): Promise<{ resumed: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/sfn/runtime/serve-cli.ts'], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  engine = child;
  const serving = await untilServing(child);
  // The Lambdas log every step: keep reading, or a full pipe would block the engine's writes.
  child.stdout?.resume();
  child.stderr?.resume();
  return serving;
}

async function killEngine(): Promise<void> {
  const child = engine;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

const until = waiter({ intervalMs: 25, attempts: 4_800, ignoreErrors: true });

async function history(executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < 100; page++) {
    const out = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }));
    events.push(...(out.events ?? []));
    nextToken = out.nextToken;
    if (!nextToken) break;
  }
  return events;
}

/** The name of the task state whose Lambda was started last and has not answered yet, if any. */
function lambdaInFlight(events: readonly HistoryEvent[]): string | undefined {
  const last = events.at(-1);
  if (last?.type !== 'LambdaFunctionStarted' && last?.type !== 'LambdaFunctionScheduled') return undefined;
  return [...events].reverse().find((e) => e.type === 'TaskStateEntered')?.stateEnteredEventDetails?.name;
}

beforeAll(async () => {
  const app = synthesizedApp();
  ddb = await startDynamoDbLocal();
  client = localDynamoDbClient(ddb.endpoint);
  const tableNames = await createTablesFromTemplate(client, app.templatePath);
  const tableName = tableNames[app.tableLogicalId] as string;
  repository = new Repository(client, tableName);
  await repository.seedCatalog(workflowCatalog());
  const port = await freePort();
  env = {
    SFN_PORT: String(port),
    DYNAMODB_ENDPOINT: ddb.endpoint,
    TEMPLATE_PATH: app.templatePath,
    ASSETS_DIR: app.outdir,
    TABLE_NAMES: JSON.stringify(tableNames),
  };
  sfn = localSfnClient(`http://127.0.0.1:${port}`);
  eventBridge = new EventBridgeClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'ap-southeast-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  await startEngine();
  const machines = (await sfn.send(new ListStateMachinesCommand({}))).stateMachines ?? [];
  const machine = machines.find((m) => m.name?.includes(app.stateMachineLogicalId));
  if (!machine?.stateMachineArn) throw new Error(`the engine did not create ${app.stateMachineLogicalId}`);
  stateMachineArn = machine.stateMachineArn;
}, 600_000);

afterAll(async () => {
  await killEngine();
  sfn?.destroy();
  eventBridge?.destroy();
  client?.destroy();
  await ddb?.stop();
});

describe('the onboarding workflow with its engine killed', () => {
  it('resumes after a kill in a Lambda task, in the approval wait and in the allocation, and completes once', async () => {
    const applicationId = 'crash-app-1';
    const investorId = 'crash-investor-1';
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn,
        name: applicationId,
        input: JSON.stringify({ applicationId, investorId, enquiry, filedAt: '2026-03-02T02:00:00.000Z' }),
      }),
    );
    const arn = executionArn as string;
    const killedIn: string[] = [];

    // 1. While a Lambda task of the main line runs (the first one the poll catches in flight).
    killedIn.push(
      await until('a main-line Lambda in flight', async () => lambdaInFlight(await history(arn))),
    );
    await killEngine();
    expect((await startEngine()).resumed).toBe(1);

    // 2. While the application waits in its approval stage (the token parked on the inbox task).
    const task = await until('the open approval task', async () => {
      const open = (await repository.waits.listApprovalTasks(applicationId)).filter(
        (t) => t.status === 'open',
      );
      return open[0]?.taskToken ? open[0] : undefined;
    });
    await killEngine();
    expect((await startEngine()).resumed).toBe(1);

    // 3. The decision, then a kill while the allocation (or the step before it) runs.
    const deps = {
      repository,
      publish: (events: Parameters<typeof publishEvents>[2]) =>
        publishEvents(eventBridge, 'test-bus', events),
      sfn,
      now: () => new Date('2026-03-03T02:00:00.000Z'),
    };
    await decideTask(deps, { taskId: task.taskId, actor: official, decision: 'approve' });
    const afterDecision = await until('a Lambda in flight after the decision, or the end', async () => {
      const events = await history(arn);
      if (events.some((e) => e.type === 'ExecutionSucceeded' || e.type === 'ExecutionFailed')) return 'ended';
      return lambdaInFlight(events) === 'Allocate' ? 'Allocate' : undefined;
    });
    killedIn.push(afterDecision);
    await killEngine();
    await startEngine();

    const done = await until('the execution to end', async () => {
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      return d.status === 'RUNNING' ? undefined : d;
    });
    expect({ status: done.status, error: done.error }).toEqual({ status: 'SUCCEEDED' });

    // The application is allocated, on one plot.
    const app = await repository.getApplication(applicationId);
    expect(app?.status).toBe('allocated');
    const plotId = app?.allocatedPlotId as string;
    expect(plotId).toEqual(expect.any(String));
    const { plots } = await repository.listCatalog();
    const touched = plots.filter(
      (p) => p.holderApplicationId === applicationId || p.allocatedTo === applicationId,
    );
    expect(touched.map((p) => [p.id, p.status])).toEqual([[plotId, 'allocated']]);

    // One timeline entry per step.
    const timeline = (await repository.listTimeline(applicationId, { limit: 200 })).items;
    const whats = timeline.map((e) => e.what);
    for (const what of [
      'application.submitted',
      'plot.held',
      'route.decided',
      'site.checked',
      'plot.allocated',
    ]) {
      expect(
        whats.filter((w) => w === what),
        what,
      ).toHaveLength(1);
    }
    expect(new Set(whats).size).toBe(whats.length);

    // Each domain event once (by eventId); a re-sent one is the same event.
    const outbox = (await new DynamoStore(client).listOutbox())
      .filter((e) => e.channel === 'events.putEvents')
      .map((e) => {
        const m = e.message as { DetailType: string; Detail: string };
        return {
          type: m.DetailType,
          detail: JSON.parse(m.Detail) as { eventId: string; applicationId: string },
        };
      })
      .filter((e) => e.detail.applicationId === applicationId);
    const byId = new Map<string, (typeof outbox)[number][]>();
    for (const e of outbox) byId.set(e.detail.eventId, [...(byId.get(e.detail.eventId) ?? []), e]);
    for (const copies of byId.values()) for (const c of copies) expect(c).toEqual(copies[0]);
    const kinds = [...byId.values()].map((copies) => copies[0]?.type);
    for (const kind of [
      'ApplicationSubmitted',
      'SitesMatched',
      'PlotHeld',
      'RouteDecided',
      'PlotAllocated',
    ]) {
      expect(
        kinds.filter((k) => k === kind),
        kind,
      ).toHaveLength(1);
    }
    expect(new Set(kinds).size).toBe(kinds.length);

    // One history: ids in order, started and succeeded once, each main-line state entered once.
    const events = await history(arn);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events.filter((e) => e.type === 'ExecutionStarted')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'ExecutionSucceeded')).toHaveLength(1);
    const entered = events
      .filter((e) => e.type?.endsWith('StateEntered'))
      .map((e) => e.stateEnteredEventDetails?.name);
    for (const state of ['Submit', 'MatchAndHold', 'Route', 'CheckSite', 'Approvals', 'Allocate']) {
      expect(
        entered.filter((n) => n === state),
        state,
      ).toHaveLength(1);
    }
    expect(killedIn[0]).toMatch(/^(Submit|MatchAndHold|Route|CheckSite|StageSchedule|StageWait)$/);
  }, 600_000);
});
