import { type CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface HouseFunctionProps {
  /** Handler file, relative to the repository root, e.g. `functions/match-sites.ts`. */
  entry: string;
  description: string;
  timeout?: Duration;
  memorySize?: number;
  environment?: Record<string, string>;
}

const repoRoot = new URL('../..', import.meta.url).pathname;

/**
 * The esbuild settings of every function, exported so that scripts/bundle-report.ts analyses a bundle
 * built exactly as the stack builds it.
 */
export const HOUSE_BUNDLING = {
  format: OutputFormat.ESM,
  target: 'node22',
  // Node builds only: ES modules first (they tree-shake; the CommonJS `main` builds do not), and the
  // `module`/`node` export conditions, never a package's browser or react-native files.
  mainFields: ['module', 'main'],
  esbuildArgs: {
    '--conditions': 'module,node',
    '--alias:@aws-sdk/credential-provider-node': `${repoRoot}infra/constructs/lambda-credentials.ts`,
    '--alias:@smithy/core/event-streams': `${repoRoot}infra/constructs/no-event-streams.ts`,
    '--alias:@aws-sdk/endpoint-cache': `${repoRoot}infra/constructs/no-endpoint-cache.ts`,
  },
  // Source maps are built and shipped in the asset (`index.mjs.map`, without the sources' text: Route 2.07 MB
  // -> 0.64 MB), but Node does not apply them at run time (no --enable-source-maps, see NODE_OPTIONS below):
  // a stack trace in the logs is decoded offline with `npx tsx scripts/bundle-trace.ts`, which prints the
  // TypeScript file and line of each frame.
  sourceMap: true,
  sourcesContent: false,
  minify: true,
  externalModules: [],
  forceDockerBundling: false,
  // ESM bundles of CommonJS dependencies still call require(): give them one.
  banner: "import{createRequire as __cr}from'module';const require=__cr(import.meta.url);",
} as const satisfies BundlingOptions;

/**
 * The one way this project makes a Lambda function: Node 22 on ARM64, X-Ray tracing, JSON logs into a log
 * group with a retention, source maps in the asset (applied offline, not at run time), an esbuild bundle built
 * locally (no Docker) that includes the AWS SDK so the version we test is the version we ship, and
 * least-privilege grants through `bindTable`.
 * Bundles stay lean (budget: 400 KiB minified, checked by test/unit/bundle-size.test.ts): ES-module builds
 * so dependencies tree-shake, credentials read from the Lambda environment (lambda-credentials.ts), and no
 * event-stream serde (no-event-streams.ts) or endpoint cache (no-endpoint-cache.ts), which no client here uses.
 */
export class HouseFunction extends Construct {
  readonly fn: NodejsFunction;
  /** The handler file, relative to the repository root (as given in the props). */
  readonly entry: string;

  constructor(scope: Construct, id: string, props: HouseFunctionProps) {
    super(scope, id);
    this.entry = props.entry;
    const logGroup = new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH });
    this.fn = new NodejsFunction(this, 'Fn', {
      entry: `${repoRoot}${props.entry}`,
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      timeout: props.timeout ?? Duration.seconds(10),
      memorySize: props.memorySize ?? 512,
      tracing: Tracing.ACTIVE,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      projectRoot: repoRoot,
      depsLockFilePath: `${repoRoot}package-lock.json`,
      // No NODE_OPTIONS=--enable-source-maps: Node reads and parses the whole map while the bundle loads, which
      // cost 24 ms of the 164 ms median cold import (98 / 164 / 191 ms min / median / p90 with it, 84 / 140 /
      // 161 ms without, every function, bench/bundles.bench.ts on a quiet machine), and it slows every read
      // of Error.stack; the 150 ms target is met without it. A function being debugged can still set
      // `environment: { NODE_OPTIONS: '--enable-source-maps' }` (props.environment wins).
      environment: {
        POWERTOOLS_SERVICE_NAME: id,
        ...props.environment,
      },
      bundling: HOUSE_BUNDLING,
    });
    Validations.of(this.fn).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'AWSLambdaBasicExecutionRole only allows writing this function’s own logs; it is the AWS-maintained least privilege for that.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray tracing: xray:PutTraceSegments and PutTelemetryRecords do not support resource-level permissions.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-L1',
        reason:
          'nodejs22.x is the runtime the project targets and tests (the local cloud runs it); upgrades are deliberate.',
      },
    );
  }

  /** Grants the function the least it needs on a table and passes the table's name as TABLE_NAME. */
  bindTable(table: ITableV2, access: 'read' | 'write'): this {
    if (access === 'read') table.grantReadData(this.fn);
    else table.grantReadWriteData(this.fn);
    this.fn.addEnvironment('TABLE_NAME', table.tableName);
    const tableLogicalId = Stack.of(table).getLogicalId(table.node.defaultChild as CfnElement);
    Validations.of(this.fn).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${tableLogicalId}.Arn>/index/*]`,
      reason: 'The grant covers the indexes of this one table (gsi1..gsi3), which the access patterns query.',
    });
    return this;
  }
}
