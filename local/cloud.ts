/**
 * The local cloud: the synthesized CDK template, run on one machine.
 * 1. synthesize the CDK app (the single definition of tables, functions and workflows);
 * 2. start DynamoDB Local with its data on disk and create the template's tables;
 * 3. seed the Lào Cai catalog (idempotent);
 * 4. start the Step Functions engine with the template's state machines and Lambdas, resuming executions;
 * 5. open the HTTP API, whose `GET /health` answers once all of the above is up.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import type { CfnElement } from 'aws-cdk-lib';
import { buildApp, STACK_NAME } from '#infra/app.ts';
import { buildConsole } from '../web/build.ts';
import type { LocalConfig } from './config.ts';
import {
  localDynamoDbClient,
  type SupervisedDynamoDbLocal,
  superviseDynamoDbLocal,
} from './dynamodb/launcher.ts';
import { seedLocal } from './dynamodb/seed.ts';
import { createTablesFromTemplate } from './dynamodb/tables.ts';
import { describeLocalApi, localApiOptions } from './gateway/local-api.ts';
import { localNotifications } from './gateway/notifications-stream.ts';
import { type LocalGateway, startGateway } from './gateway/server.ts';
import { staticSite } from './gateway/static.ts';
import { type StepFunctionsService, startStepFunctions } from './sfn/index.ts';

export interface LocalCloud {
  config: LocalConfig;
  /** DynamoDB Local, restarted on the same port and data when its JVM dies (see superviseDynamoDbLocal). */
  dynamodb: SupervisedDynamoDbLocal;
  stepFunctions: StepFunctionsService;
  gateway: LocalGateway;
  tableNames: Record<string, string>;
  close(): Promise<void>;
}

type Log = (message: string) => void;

/**
 * A JVM left behind by a process that was killed outright is stopped before a new one takes its port.
 * The pid is only trusted while it still names DynamoDB Local: pids are reused, and another process
 * that happens to hold it must not be killed.
 */
function stopStaleJvm(pidFile: string, log: Log): void {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (pid > 0 && command.includes('DynamoDBLocal.jar')) {
      process.kill(pid, 'SIGKILL');
      log(`stopped DynamoDB Local left running by an earlier start (pid ${pid})`);
    }
  } catch {
    // No pid file, that process is gone, or no /proc to check it by: nothing to stop.
  }
}

export async function startLocalCloud(config: LocalConfig, log: Log = console.log): Promise<LocalCloud> {
  mkdirSync(config.dataDir, { recursive: true });
  const outdir = join(config.dataDir, 'cdk.out');
  const started = Date.now();

  const { app, stack } = buildApp(outdir);
  const templatePath = app.synth().getStackByName(STACK_NAME).templateFullPath;
  // The application table's logical ID, asked of the stack itself rather than guessed from the template.
  const appTableLogicalId = stack.getLogicalId(stack.data.table.node.defaultChild as CfnElement);
  log(`synthesized ${STACK_NAME} (${Date.now() - started} ms)`);

  const pidFile = join(config.dataDir, 'dynamodb.pid');
  stopStaleJvm(pidFile, log);
  const dynamodb = await superviseDynamoDbLocal({
    port: config.dynamodbPort,
    dataDir: join(config.dataDir, 'dynamodb'),
    log,
    // Every new JVM's pid, so a later start can stop one left behind by a process killed outright.
    onPid: (pid) => {
      if (pid) writeFileSync(pidFile, String(pid));
    },
  });
  const client = localDynamoDbClient(dynamodb.endpoint);
  const cleanup: Array<() => Promise<void>> = [
    async () => {
      await dynamodb.stop();
      rmSync(pidFile, { force: true });
    },
    async () => client.destroy(),
  ];
  const closeAll = async () => {
    for (const step of [...cleanup].reverse()) await step().catch(() => undefined);
  };
  try {
    log(`DynamoDB Local on ${dynamodb.endpoint} (data in ${join(config.dataDir, 'dynamodb')})`);
    const tableNames = await createTablesFromTemplate(client, templatePath);
    const tableName = tableNames[appTableLogicalId];
    if (!tableName) throw new Error(`the template has no table ${appTableLogicalId}`);
    const meta = await seedLocal(client, tableName);
    log(`seeded catalog ${meta.version} into ${tableName}`);

    const stepFunctions = await startStepFunctions({
      port: config.sfnPort,
      dynamodbEndpoint: dynamodb.endpoint,
      template: { templatePath, assetsDir: outdir, tableNames },
    });
    cleanup.push(() => stepFunctions.close());
    log(
      `Step Functions API on ${stepFunctions.endpoint}: ${Object.keys(stepFunctions.stateMachines).length} state machine(s), ${stepFunctions.resumed} execution(s) resumed`,
    );
    log(
      `SQS, SNS and EventBridge on the same endpoint: ${stepFunctions.messaging?.queues.list().length ?? 0} queue(s), ${stepFunctions.messaging?.sns.list().length ?? 0} topic(s); SNS outbox: DYNAMODB_PORT=${config.dynamodbPort} npx tsx local/sns/outbox-cli.ts [topic]`,
    );

    const api = await localApiOptions({
      templatePath,
      assetsDir: outdir,
      tableNames,
      dataDir: config.dataDir,
      lambda: stepFunctions.lambda,
    });
    api.notifications = await localNotifications(client, tableName, api.issuer.demoUsers);
    // The web console, built for the local cloud (demo users on its sign-in page), on the same port.
    const site = staticSite(buildConsole({ outDir: join(config.dataDir, 'console'), mode: 'local' }).outDir, {
      apiUrl: '',
      auth: { kind: 'local' },
    });
    const gateway = await startGateway(
      config.httpPort,
      async () => {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return {
          dynamodb: { endpoint: dynamodb.endpoint, tables: tableNames },
          stepFunctions: { endpoint: stepFunctions.endpoint, stateMachines: stepFunctions.stateMachines },
          catalog: { version: meta.version },
        };
      },
      api,
      site,
    );
    cleanup.push(() => gateway.close());
    log(`web console on ${gateway.url}/`);
    log(`HTTP API on ${gateway.url} (GET /health); ready in ${Date.now() - started} ms`);
    for (const line of describeLocalApi(gateway, api)) log(line);
    return { config, dynamodb, stepFunctions, gateway, tableNames, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
