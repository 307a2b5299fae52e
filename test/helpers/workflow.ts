/**
 * The onboarding workflow on the local cloud, for integration tests and the benchmark: an in-memory
 * DynamoDB Local, the real CDK app synthesized once (Lambdas bundled by esbuild), its tables created and
 * the catalog seeded, and the local Step Functions service running the template's state machine with its
 * Lambdas in worker threads, driven by a TestClock (time moves only when the test says so, unless `auto`).
 *
 *   const wf = await startWorkflow();                       // once per test file (synthesis takes seconds)
 *   const { applicationId } = await wf.startApplication(enquiry);
 *   await wf.waitForStatus(applicationId, 'in-approval');
 *   ... decideTask(...) (AP) with wf.sfn and wf.repository ...
 *   await wf.waitForExecution(applicationId);               // SUCCEEDED / FAILED, with the output
 *   await wf.close();
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { type DynamoDbLocal, localDynamoDbClient, startDynamoDbLocal } from '#local/dynamodb/launcher.ts';
import { createTablesFromTemplate } from '#local/dynamodb/tables.ts';
import { TestClock, type TestClockOptions } from '#local/sfn/asl/test-clock.ts';
import { type StepFunctionsService, startStepFunctions } from '#local/sfn/index.ts';
import { RealClock } from '#local/sfn/runtime/clock.ts';
import { loadCatalog } from '#shared/catalog/index.ts';
import type { Catalog } from '#shared/catalog/schema.ts';
import type { EnquiryInput } from '#shared/enquiry/schema.ts';
import { type ApplicationRecord, Repository, type TaskRecord } from '#shared/repository/index.ts';
import { publishEvents } from '#shared/workflow/events.ts';
import type { RoutingOptions } from '#shared/workflow/input.ts';
import type { WorkflowDeps } from '#shared/workflow/record.ts';
import { isTerminal } from '#shared/workflow/status.ts';
import { samplePlot, sampleZone } from './dynamodb.ts';
import { localSfnClient } from './sfn.ts';
import { deleteTablesWithPrefix, sharedDynamoDb } from './shared-dynamodb.ts';
import { cachedApp } from './synth-cache.ts';

/** 2026-03-02 09:00 in Lào Cai (a Monday under Law 143/2025/QH15): the default clock start. */
export const DEFAULT_START = Date.parse('2026-03-02T02:00:00Z');

export interface WorkflowHarnessOptions {
  /** The catalog to seed (default: the Lào Cai catalog). */
  catalog?: Pick<Catalog, 'version' | 'zones' | 'plots'>;
  /** TestClock options; default: starts at DEFAULT_START, manual. */
  clock?: TestClockOptions;
  /**
   * Drive the engine with real time instead of the TestClock (benchmarks: history timestamps then give real
   * Lambda durations). `clock` is then not the engine's and moving it changes nothing.
   */
  realTime?: boolean;
  /** Extra Lambda environment (merged over the engine's endpoints). */
  lambdaEnv?: Record<string, string>;
  /**
   * The endpoint the engine (its journal, queues and bus) uses, given DynamoDB Local's: a benchmark's counting
   * proxy. Default: DynamoDB Local's own.
   */
  engineEndpoint?: (dynamodbEndpoint: string) => string;
}

/** One domain event as it reached the bus (the engine's outbox, channel events.putEvents). */
export interface OutboxEvent {
  source: string;
  detailType: string;
  detail: { eventId: string; applicationId: string; at: string; audience: unknown[]; [k: string]: unknown };
  recordedAt: number;
}

export interface StartApplicationOptions {
  applicationId?: string;
  investorId?: string;
  /** Default: the clock's now. */
  filedAt?: string;
  routing?: RoutingOptions;
}

export interface WorkflowHarness {
  ddb: DynamoDbLocal;
  client: DynamoDBClient;
  repository: Repository;
  tableName: string;
  /** An SFN client pointed at the local engine (pass it to AP's decideTask & co). */
  sfn: SFNClient;
  service: StepFunctionsService;
  stateMachineArn: string;
  clock: TestClock;
  /** Where the template and the Lambda assets were synthesized. */
  synthesized: { templatePath: string; assetsDir: string; tableNames: Record<string, string> };
  /**
   * Clients for the domain operations tests call (AP's decideTask, withdrawApplication, ...): the repository,
   * a publisher to the local bus (the outbox), the engine's SFN client, and the TestClock as "now".
   */
  deps: WorkflowDeps & { sfn: SFNClient; now: () => Date };
  /** Every domain event published so far (optionally of one application), oldest first. */
  events(applicationId?: string): Promise<OutboxEvent[]>;
  startApplication(
    enquiry: EnquiryInput | unknown,
    options?: StartApplicationOptions,
  ): Promise<{ applicationId: string; investorId: string; executionArn: string }>;
  /** Polls the application until it has `status` (or a terminal status other than it: then throws). */
  waitForStatus(
    applicationId: string,
    status: string,
    options?: { attempts?: number },
  ): Promise<ApplicationRecord>;
  /** Polls the execution until it is no longer RUNNING. */
  waitForExecution(
    applicationId: string,
    options?: { attempts?: number },
  ): Promise<DescribeExecutionCommandOutput>;
  /** Polls until the application has an open task (optionally of a stage); returns the open tasks. */
  waitForOpenTasks(
    applicationId: string,
    options?: { count?: number; attempts?: number },
  ): Promise<TaskRecord[]>;
  /** The application's tasks, token included (server-side view). */
  tasks(applicationId: string): Promise<TaskRecord[]>;
  history(applicationId: string): Promise<HistoryEvent[]>;
  executionArn(applicationId: string): string;
  close(): Promise<void>;
}

const POLL_MS = 25;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Bounded polling (CONVENTIONS 14): `attempts` × 25 ms, then a clear error naming what never came. */
async function poll<T>(what: string, attempts: number, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(POLL_MS);
  }
  throw new Error(`${what}: not reached after ${attempts} polls`);
}

export async function startWorkflow(options: WorkflowHarnessOptions = {}): Promise<WorkflowHarness> {
  if (options.clock?.auto) {
    // Auto mode jumps to the next sleeper when this process looks idle, but it cannot see a Lambda running in
    // a worker thread or DynamoDB Local answering: it leaps past the tasks' TimeoutSeconds, the tasks fail
    // with States.Timeout and compensation records that instead of the real outcome (this is what hid
    // Site.NoCapacity in the no-site test). Move the clock by hand when the execution sleeps.
    throw new Error('startWorkflow: clock.auto is not supported (tasks would time out); advance the clock');
  }
  const {
    outdir,
    templatePath,
    stackName,
    tableLogicalId,
    stateMachineLogicalId: machineLogicalId,
  } = await cachedApp();

  // The run's shared DynamoDB Local (tables under a prefix of this harness's own), else a JVM of its own.
  const shared = sharedDynamoDb();
  const ddb = shared ?? (await startDynamoDbLocal());
  const prefix = shared ? `h${randomUUID().slice(0, 8)}-` : undefined;
  const client = localDynamoDbClient(ddb.endpoint);
  const release = async () => {
    if (prefix) await deleteTablesWithPrefix(client, prefix);
    client.destroy();
    await ddb.stop();
  };
  let service: StepFunctionsService | undefined;
  try {
    const tableNames = await createTablesFromTemplate(
      client,
      templatePath,
      prefix ? { tableNamePrefix: prefix } : {},
    );
    const tableName = tableNames[tableLogicalId];
    if (!tableName) throw new Error(`the template has no table ${tableLogicalId}`);
    const repository = new Repository(client, tableName);
    await repository.seedCatalog(options.catalog ?? loadCatalog());
    const clock = new TestClock({ start: DEFAULT_START, ...options.clock });
    service = await startStepFunctions({
      port: 0,
      dynamodbEndpoint: options.engineEndpoint?.(ddb.endpoint) ?? ddb.endpoint,
      clock: options.realTime ? new RealClock() : clock,
      template: { templatePath, assetsDir: outdir, tableNames, stackName },
      ...(prefix ? { tablePrefix: `${prefix}sfn-` } : {}),
      ...(options.lambdaEnv ? { lambdaEnv: options.lambdaEnv } : {}),
    });
    const stateMachineArn = service.stateMachines[machineLogicalId];
    if (!stateMachineArn) throw new Error(`the engine did not create ${machineLogicalId}`);
    const sfn = localSfnClient(service.endpoint);
    const running = service;
    const executionArn = (applicationId: string) =>
      `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${applicationId}`;

    const eventBridge = new EventBridgeClient({
      endpoint: service.endpoint,
      region: 'ap-southeast-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    const harness: WorkflowHarness = {
      deps: {
        repository,
        publish: (events) => publishEvents(eventBridge, 'test-bus', events),
        sfn,
        now: () => new Date(clock.now()),
      },
      ddb,
      client,
      repository,
      tableName,
      sfn,
      service: running,
      stateMachineArn,
      clock,
      synthesized: { templatePath, assetsDir: outdir, tableNames },
      executionArn,
      async events(applicationId) {
        const entries = await running.store.listOutbox();
        return entries
          .filter((e) => e.channel === 'events.putEvents')
          .map((e) => {
            const m = e.message as { Source: string; DetailType: string; Detail: string };
            return {
              source: m.Source,
              detailType: m.DetailType,
              detail: JSON.parse(m.Detail) as OutboxEvent['detail'],
              recordedAt: e.recordedAt,
            };
          })
          .filter((e) => applicationId === undefined || e.detail.applicationId === applicationId);
      },
      async startApplication(enquiry, start = {}) {
        const applicationId = start.applicationId ?? `app-${randomUUID().slice(0, 12)}`;
        const investorId = start.investorId ?? `inv-${applicationId}`;
        const input = {
          applicationId,
          investorId,
          enquiry,
          filedAt: start.filedAt ?? new Date(clock.now()).toISOString(),
          ...(start.routing ? { routing: start.routing } : {}),
        };
        const out = await sfn.send(
          new StartExecutionCommand({ stateMachineArn, name: applicationId, input: JSON.stringify(input) }),
        );
        return { applicationId, investorId, executionArn: out.executionArn as string };
      },
      waitForStatus(applicationId, status, opts = {}) {
        return poll(`application ${applicationId} status ${status}`, opts.attempts ?? 1_200, async () => {
          const app = await repository.getApplication(applicationId);
          if (app?.status === status) return app;
          if (app && isTerminal(app.status)) {
            throw new Error(
              `application ${applicationId} ended ${app.status} (${String(app.closedReason ?? '')}), not ${status}`,
            );
          }
          return undefined;
        });
      },
      waitForExecution(applicationId, opts = {}) {
        return poll(`execution ${applicationId} to finish`, opts.attempts ?? 1_200, async () => {
          const out = await sfn.send(
            new DescribeExecutionCommand({ executionArn: executionArn(applicationId) }),
          );
          return out.status === 'RUNNING' ? undefined : out;
        });
      },
      async tasks(applicationId) {
        const out = await client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :task)',
            ExpressionAttributeValues: { ':pk': { S: `APP#${applicationId}` }, ':task': { S: 'TASK#' } },
            ConsistentRead: true,
          }),
        );
        return (out.Items ?? []).map((i) => unmarshall(i) as TaskRecord);
      },
      waitForOpenTasks(applicationId, opts = {}) {
        const count = opts.count ?? 1;
        return poll(`${count} open task(s) of ${applicationId}`, opts.attempts ?? 1_200, async () => {
          const open = (await harness.tasks(applicationId)).filter((t) => t.status === 'open' && t.taskToken);
          if (open.length >= count) return open;
          const app = await repository.getApplication(applicationId);
          if (app && isTerminal(app.status)) {
            throw new Error(`application ${applicationId} ended ${app.status} while waiting for a task`);
          }
          return undefined;
        });
      },
      async history(applicationId) {
        const events: HistoryEvent[] = [];
        let nextToken: string | undefined;
        for (let page = 0; page < 100; page++) {
          const out = await sfn.send(
            new GetExecutionHistoryCommand({
              executionArn: executionArn(applicationId),
              maxResults: 1000,
              nextToken,
            }),
          );
          events.push(...(out.events ?? []));
          nextToken = out.nextToken;
          if (!nextToken) break;
        }
        return events;
      },
      async close() {
        sfn.destroy();
        eventBridge.destroy();
        await running.close();
        await release();
      },
    };
    return harness;
  } catch (error) {
    await service?.close();
    await release().catch(() => undefined);
    throw error;
  }
}

/** State transitions of an execution as Step Functions bills them: one per state entered. */
export function stateTransitions(history: readonly HistoryEvent[]): number {
  return history.filter((e) => e.type?.endsWith('StateEntered')).length;
}

/**
 * A small catalog whose outcomes are known by hand: a KCN taking garments (1410), copper (2420) and steel
 * (2410); a CCN taking only wood processing (1621); `smallPlots` plots of 3 ha and `largePlots` of 15 ha in
 * the KCN, two of each in the CCN; all cleared and ready.
 */
export function workflowCatalog(options: { smallPlots?: number; largePlots?: number } = {}) {
  const kcn = sampleZone('kcn-test', {
    kind: 'KCN',
    allowedSectors: [
      { code: '1410', version: 'VSIC2018' },
      { code: '2420', version: 'VSIC2025' },
      { code: '2410', version: 'VSIC2025' },
    ],
  });
  const ccn = sampleZone('ccn-test', {
    kind: 'CCN',
    name: 'CCN test',
    allowedSectors: [{ code: '1621', version: 'VSIC2025' }],
  });
  const plots = [
    ...Array.from({ length: options.smallPlots ?? 6 }, (_, i) =>
      samplePlot(`kcn-test-s${i}`, kcn.id, { areaHa: 3 }),
    ),
    ...Array.from({ length: options.largePlots ?? 4 }, (_, i) =>
      samplePlot(`kcn-test-l${i}`, kcn.id, { areaHa: 15 }),
    ),
    samplePlot('ccn-test-s0', ccn.id, { areaHa: 3 }),
    samplePlot('ccn-test-s1', ccn.id, { areaHa: 3 }),
    samplePlot('ccn-test-l0', ccn.id, { areaHa: 15 }),
    samplePlot('ccn-test-l1', ccn.id, { areaHa: 15 }),
  ];
  return { version: 'workflow-test-1', zones: [kcn, ccn], plots };
}
