/**
 * The HTTP API as the local cloud serves it, for integration tests: the real CDK app (every route of the
 * stack, synthesized once per source content by test/helpers/synth.ts), run by the workflow harness
 * (DynamoDB Local in memory with the template's tables and the Lào Cai catalog seeded, the local Step
 * Functions engine with the onboarding state machine on a TestClock, every Lambda in worker threads from
 * its synthesized asset), the local issuer with the demo users, and the local gateway in front. Routes
 * that start or answer executions (`POST /applications`, decisions, clearance updates) reach the engine,
 * and time moves only when the test moves `workflow.clock`. No mocks.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { defaultDemoUsers } from '#local/auth/demo-users.ts';
import { LocalIssuer } from '#local/auth/issuer.ts';
import { type DynamoDbLocal, freePort } from '#local/dynamodb/launcher.ts';
import { type GatewayApiOptions, type LocalGateway, startGateway } from '#local/gateway/server.ts';
import type { LambdaRuntime } from '#local/lambda/runtime.ts';
import { type CfnTemplate, resolveTemplate } from '#local/template/template.ts';
import type { Repository } from '#shared/repository/index.ts';
import { startWorkflow, type WorkflowHarness, type WorkflowHarnessOptions } from '../helpers/workflow.ts';

export interface ApiHarness {
  /** Private scratch directory (the local issuer's keys). */
  outdir: string;
  template: CfnTemplate;
  templatePath: string;
  dynamodb: DynamoDbLocal;
  tableName: string;
  repository: Repository;
  lambda: LambdaRuntime;
  issuer: LocalIssuer;
  gateway: LocalGateway;
  options: GatewayApiOptions;
  /** The engine, its TestClock, the SFN client and the workflow's helpers (waitForStatus, tasks, ...). */
  workflow: WorkflowHarness;
  /** Every item of every table, sorted: compare before and after to prove nothing was written. */
  snapshot(): Promise<string>;
  /** An access token of a demo user, through `POST /auth/token`. */
  token(username: string): Promise<string>;
  close(): Promise<void>;
}

export interface ApiHarnessOptions {
  /** Milliseconds clock of the gateway's throttling. */
  now?: () => number;
  /** Replaces the stage's throttling in the template the gateway reads (`none` removes it). */
  throttle?: { rateLimit: number; burstLimit: number } | 'none';
  /** Passed to the workflow harness (catalog, TestClock start, ...). */
  workflow?: WorkflowHarnessOptions;
}

export async function startApiHarness(options: ApiHarnessOptions = {}): Promise<ApiHarness> {
  const outdir = mkdtempSync(join(tmpdir(), 'api-'));
  const workflow = await startWorkflow(options.workflow);
  const { templatePath, assetsDir, tableNames } = workflow.synthesized;
  const template = JSON.parse(readFileSync(templatePath, 'utf8')) as CfnTemplate;
  if (options.throttle) {
    for (const r of Object.values(template.Resources ?? {})) {
      if (r.Type !== 'AWS::ApiGatewayV2::Stage' || !r.Properties) continue;
      if (options.throttle === 'none') delete r.Properties.DefaultRouteSettings;
      else {
        r.Properties.DefaultRouteSettings = {
          ThrottlingRateLimit: options.throttle.rateLimit,
          ThrottlingBurstLimit: options.throttle.burstLimit,
        };
      }
    }
  }
  const client = workflow.client;
  const resolved = resolveTemplate({ templatePath, assetsDir, tableNames });
  const lambda = workflow.service.lambda;
  const issuer = await LocalIssuer.open({ keyDir: join(outdir, 'auth'), users: defaultDemoUsers() });
  const gatewayOptions: GatewayApiOptions = {
    template,
    resolved,
    lambda,
    issuer,
    ...(options.now ? { now: options.now } : {}),
  };
  const gateway = await startGateway(await freePort(), async () => ({}), gatewayOptions);
  const names = Object.values(tableNames);
  return {
    outdir,
    template,
    templatePath,
    dynamodb: workflow.ddb,
    tableName: workflow.tableName,
    repository: workflow.repository,
    lambda,
    issuer,
    gateway,
    options: gatewayOptions,
    workflow,
    async snapshot() {
      const all: string[] = [];
      for (const name of names) {
        let start: Record<string, unknown> | undefined;
        do {
          const out = await client.send(
            new ScanCommand({
              TableName: name,
              ConsistentRead: true,
              ...(start ? { ExclusiveStartKey: start as never } : {}),
            }),
          );
          for (const item of out.Items ?? []) all.push(JSON.stringify(item, Object.keys(item).sort()));
          start = out.LastEvaluatedKey as Record<string, unknown> | undefined;
        } while (start);
      }
      return all.sort().join('\n');
    },
    async token(username: string) {
      const user = defaultDemoUsers().find((u) => u.username === username);
      if (!user) throw new Error(`no demo user ${username}`);
      const res = await fetch(`${gateway.url}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: user.password }),
      });
      if (res.status !== 200)
        throw new Error(`sign-in of ${username} failed: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { accessToken: string }).accessToken;
    },
    async close() {
      await gateway.close();
      await workflow.close();
      rmSync(outdir, { recursive: true, force: true });
    },
  };
}
