/**
 * The HTTP API as the local cloud serves it, for integration tests: an app holding the data table,
 * Cognito and the HTTP API with every route contract of `shared/http/routes.ts` (entry
 * `functions/http/<operation-id>.ts`), synthesized; DynamoDB Local with the template's tables and the
 * catalog seeded; the route Lambdas in worker threads from their synthesized assets; the local issuer
 * with the demo users; and the local gateway in front. No mocks.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { App, Stack } from 'aws-cdk-lib';
import { DataTable } from '#infra/constructs/data-table.ts';
import { HttpApiConstruct } from '#infra/constructs/http-api.ts';
import { Identity } from '#infra/constructs/identity.ts';
import { defaultDemoUsers } from '#local/auth/demo-users.ts';
import { LocalIssuer } from '#local/auth/issuer.ts';
import {
  type DynamoDbLocal,
  freePort,
  localDynamoDbClient,
  startDynamoDbLocal,
} from '#local/dynamodb/launcher.ts';
import { seedLocal } from '#local/dynamodb/seed.ts';
import { createTablesFromTemplate } from '#local/dynamodb/tables.ts';
import { type GatewayApiOptions, type LocalGateway, startGateway } from '#local/gateway/server.ts';
import { LambdaRuntime } from '#local/lambda/runtime.ts';
import { type CfnTemplate, resolveTemplate } from '#local/template/template.ts';
import { ROUTES } from '#shared/http/routes.ts';
import { Repository } from '#shared/repository/index.ts';

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** `functions/http/<operation-id>.ts`, or the same file name in a folder of it (`tasks/`, `zones/`). */
function entryOf(operationId: string): string {
  const file = `${kebab(operationId)}.ts`;
  if (existsSync(`functions/http/${file}`)) return `functions/http/${file}`;
  for (const dir of readdirSync('functions/http', { withFileTypes: true })) {
    if (dir.isDirectory() && existsSync(`functions/http/${dir.name}/${file}`))
      return `functions/http/${dir.name}/${file}`;
  }
  throw new Error(`no handler file ${file} under functions/http for route ${operationId}`);
}

export interface ApiHarness {
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
  /** Every item of every table, sorted: compare before and after to prove nothing was written. */
  snapshot(): Promise<string>;
  /** An access token of a demo user, through `POST /auth/token`. */
  token(username: string): Promise<string>;
  close(): Promise<void>;
}

/** The API-only app (table, Cognito, HTTP API), synthesized into `outdir`; returns the template path. */
export function synthApiApp(outdir: string): string {
  const app = new App({ outdir });
  const stack = new Stack(app, 'ApiTest', { env: { region: 'ap-southeast-1' } });
  const data = new DataTable(stack, 'Data');
  const api = new HttpApiConstruct(stack, 'Api', {
    identity: new Identity(stack, 'Identity'),
    table: data.table,
  });
  for (const spec of ROUTES)
    api.addRoute(spec, { entry: entryOf(spec.operationId), table: 'read' });
  return app.synth().getStackByName('ApiTest').templateFullPath;
}

export interface ApiHarnessOptions {
  /** Milliseconds clock of the gateway's throttling. */
  now?: () => number;
  /** Replaces the stage's throttling in the template the gateway reads (`none` removes it). */
  throttle?: { rateLimit: number; burstLimit: number } | 'none';
}

export async function startApiHarness(options: ApiHarnessOptions = {}): Promise<ApiHarness> {
  const outdir = mkdtempSync(join(tmpdir(), 'api-'));
  const templatePath = synthApiApp(outdir);
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
  const dynamodb = await startDynamoDbLocal();
  const client = localDynamoDbClient(dynamodb.endpoint);
  const tableNames = await createTablesFromTemplate(client, templatePath);
  const tableName = Object.values(tableNames)[0] as string;
  await seedLocal(client, tableName);
  const resolved = resolveTemplate({ templatePath, assetsDir: outdir, tableNames });
  // No event bus in this API-only app: routes that publish get a name (nothing reaches it in these tests).
  const lambda = new LambdaRuntime({
    extraEnv: { AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint, EVENT_BUS_NAME: 'api-test-bus' },
  });
  for (const fn of resolved.functions) lambda.register(fn);
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
    dynamodb,
    tableName,
    repository: new Repository(client, tableName),
    lambda,
    issuer,
    gateway,
    options: gatewayOptions,
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
      await lambda.close();
      client.destroy();
      await dynamodb.stop();
      rmSync(outdir, { recursive: true, force: true });
    },
  };
}
