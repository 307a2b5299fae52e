/**
 * The local Step Functions service: engine tables in DynamoDB Local, the AWS JSON 1.0 API, the state
 * machines of a synthesized template (their Lambdas run from the synthesized assets in worker threads),
 * and every execution left RUNNING by a previous process resumed.
 */
import { readFileSync } from 'node:fs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localDynamoDbClient } from '../dynamodb/launcher.ts';
import { createTemplateRules, DynamoEventsStore, EventsService, MemoryEventsStore } from '../events/index.ts';
import { LambdaRuntime } from '../lambda/runtime.ts';
import { LocalMessaging } from '../queues/index.ts';
import { LOCAL_ACCOUNT_ID, type ResolvedTemplate, resolveTemplate } from '../template/template.ts';
import { runExecution, validateDefinition } from './asl/interpreter.ts';
import type { Clock, ResourceInvoker, RunExecution } from './contracts.ts';
import { RealClock } from './runtime/clock.ts';
import { DynamoStore } from './runtime/dynamo-store.ts';
import { ExecutionEngine, type ValidateDefinition } from './runtime/engine.ts';
import { LocalResourceInvoker } from './runtime/invoker.ts';
import { type EngineStore, MemoryStore } from './runtime/store.ts';
import { TokenRegistry } from './runtime/tokens.ts';
import { startSfnServer } from './server/server.ts';

export interface Interpreter {
  runExecution: RunExecution;
  validateDefinition: ValidateDefinition;
}

export interface StartStepFunctionsOptions {
  /** Port of the API; 0 picks a free one. */
  port: number;
  /** DynamoDB Local endpoint: the engine's own tables and the `dynamodb:*` task integrations. */
  dynamodbEndpoint?: string;
  /** Keep everything in memory instead (nothing survives the process): fast tests, benchmarks. */
  inMemory?: boolean;
  clock?: Clock;
  /** The synthesized template whose state machines (and Lambdas) to run. */
  template?: {
    templatePath: string;
    assetsDir: string;
    tableNames: Record<string, string>;
    stackName?: string;
  };
  /** Added to every Lambda's environment (e.g. AWS_ENDPOINT_URL_* of other local services). */
  lambdaEnv?: Record<string, string>;
  region?: string;
  /** Prefix of the engine's tables; default `local-sfn-`. */
  tablePrefix?: string;
  /** Defaults to the ASL interpreter of `local/sfn/asl/`. */
  interpreter?: Interpreter;
  host?: string;
  /** Run the template's SQS → Lambda event source mappings (default true; needs DynamoDB Local). */
  queuePollers?: boolean;
}

export interface StepFunctionsService {
  endpoint: string;
  port: number;
  engine: ExecutionEngine;
  tokens: TokenRegistry;
  lambda: LambdaRuntime;
  store: EngineStore;
  invoker: ResourceInvoker;
  /** The resolved template, when one was given. */
  template?: ResolvedTemplate;
  /** ARNs of the state machines created from the template, by logical ID. */
  stateMachines: Record<string, string>;
  /** The local EventBridge served on the same endpoint (`AWSEvents.*`). */
  events: EventsService;
  /** ARNs of the EventBridge rules created from the template, by logical ID. */
  rules: Record<string, string>;
  /** The local SQS and SNS (with DynamoDB Local only), served on the same endpoint. */
  messaging?: LocalMessaging;
  /** How many RUNNING executions were resumed at start. */
  resumed: number;
  close(): Promise<void>;
}

export async function startStepFunctions(options: StartStepFunctionsOptions): Promise<StepFunctionsService> {
  const region = options.region ?? 'ap-southeast-1';
  const clock = options.clock ?? new RealClock();
  const interpreter = options.interpreter ?? { runExecution, validateDefinition };
  let dynamodb: DynamoDBClient | undefined;
  if (options.dynamodbEndpoint) dynamodb = localDynamoDbClient(options.dynamodbEndpoint);
  if (!dynamodb && !options.inMemory) {
    throw new Error('startStepFunctions: dynamodbEndpoint is required unless inMemory is set');
  }
  const store: EngineStore =
    options.inMemory || !dynamodb
      ? new MemoryStore()
      : new DynamoStore(dynamodb, { prefix: options.tablePrefix });
  await store.init();

  const lambda = new LambdaRuntime({
    region,
    accountId: LOCAL_ACCOUNT_ID,
    extraEnv: {
      ...(options.dynamodbEndpoint ? { AWS_ENDPOINT_URL_DYNAMODB: options.dynamodbEndpoint } : {}),
      ...options.lambdaEnv,
    },
  });
  // The engine and the registry need each other: the registry asks whether an execution still runs.
  let engine: ExecutionEngine | undefined;
  const tokens = new TokenRegistry(store, clock, async (arn) => (engine ? engine.isRunning(arn) : false));
  const invoker = new LocalResourceInvoker({ lambda, dynamodb, tokens, store, clock });
  engine = new ExecutionEngine({
    store,
    invoker,
    clock,
    runExecution: interpreter.runExecution,
    validateDefinition: interpreter.validateDefinition,
    region,
    accountId: LOCAL_ACCOUNT_ID,
  });

  // EventBridge's rules live beside the engine's tables (`<tablePrefix>events-rules`, `...-deliveries`).
  const eventsStore =
    options.inMemory || !dynamodb
      ? new MemoryEventsStore()
      : new DynamoEventsStore(dynamodb, { prefix: `${options.tablePrefix ?? 'local-sfn-'}events-` });
  await eventsStore.init();
  // SQS and SNS (`<tablePrefix>sqs-messages`, `...sns-outbox`): the rules' queue targets, the template's pollers.
  const messaging = dynamodb
    ? await LocalMessaging.create({
        dynamodb,
        region,
        accountId: LOCAL_ACCOUNT_ID,
        now: () => clock.now(),
        tablePrefix: options.tablePrefix ?? 'local-sfn-',
      })
    : undefined;
  const events = new EventsService({
    store: eventsStore,
    region,
    accountId: LOCAL_ACCOUNT_ID,
    now: () => clock.now(),
    outbox: store,
    ...(messaging ? { deliver: messaging.deliver } : {}),
  });
  const server = await startSfnServer(
    engine,
    tokens,
    options.port,
    options.host,
    events.operations(),
    messaging?.endpointServices(),
  );
  const sfnEndpoint = server.endpoint;
  // Lambdas that call Step Functions (SendTaskSuccess...) reach this engine.
  lambda.setExtraEnv({
    AWS_ENDPOINT_URL_SFN: sfnEndpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: sfnEndpoint,
    AWS_ENDPOINT_URL_SQS: sfnEndpoint,
    AWS_ENDPOINT_URL_SNS: sfnEndpoint,
    ...options.lambdaEnv,
  });

  const stateMachines: Record<string, string> = {};
  const rules: Record<string, string> = {};
  let template: ResolvedTemplate | undefined;
  try {
    if (options.template) {
      template = resolveTemplate({ ...options.template, region });
      for (const fn of template.functions) lambda.register(fn);
      for (const sm of template.stateMachines) {
        const created = await engine.upsertStateMachine(
          sm.name,
          JSON.stringify(sm.definition),
          sm.roleArn,
          sm.type,
        );
        stateMachines[sm.logicalId] = created.stateMachineArn;
      }
      const rulesResolver = messaging
        ? messaging.loadTemplate(
            JSON.parse(readFileSync(options.template.templatePath, 'utf8')),
            template,
            lambda,
            {
              endpoint: sfnEndpoint,
              start: false,
            },
          ).resolver
        : template;
      for (const rule of await createTemplateRules(events, options.template.templatePath, rulesResolver)) {
        rules[rule.logicalId] = rule.arn;
      }
    }
  } catch (err) {
    await server.close();
    await lambda.close();
    dynamodb?.destroy();
    throw err;
  }
  const resumed = await engine.resumeAll();
  if (options.queuePollers !== false) messaging?.start();

  const port = Number(new URL(sfnEndpoint).port);
  return {
    endpoint: sfnEndpoint,
    port,
    engine,
    tokens,
    lambda,
    store,
    invoker,
    template,
    stateMachines,
    events,
    rules,
    ...(messaging ? { messaging } : {}),
    resumed,
    async close() {
      await server.close();
      await messaging?.close();
      await engine?.close();
      await lambda.close();
      dynamodb?.destroy();
    },
  };
}
