import { Duration, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  type HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type RouteSpec, routeKey } from '../../shared/http/route.ts';
import { WorkflowEventBus } from './event-bus.ts';
import { HouseFunction } from './house-function.ts';
import type { Identity } from './identity.ts';

export interface HttpApiConstructProps {
  identity: Identity;
  /** The table route functions are bound to (`addRoute(..., { table: 'read' })`). */
  table: ITableV2;
  /** Stage throttling: steady requests per second and burst (defaults 100 and 200). */
  throttle?: { rateLimit: number; burstLimit: number };
  /** Origins allowed by CORS (default: any; the API uses bearer tokens, never cookies). */
  allowOrigins?: string[];
}

/** A route's Lambda, made here as a HouseFunction, or one made by the caller. */
export type RouteFunction =
  | HouseFunction
  | {
      entry: string;
      table?: 'read' | 'write';
      timeout?: Duration;
      memorySize?: number;
      /** The route answers the workflow's task tokens (decisions, clearance updates). */
      answersTokens?: boolean;
      /** The route publishes domain events to this bus (EVENT_BUS_NAME). */
      eventBus?: IEventBus;
    };

/**
 * The HTTP API: API Gateway HTTP API (payload format 2.0) with a Cognito JWT authorizer (issuer and
 * audience of the user pool and its app client), access logs in JSON, stage throttling and CORS.
 * `addRoute(spec, fn)` adds one route from its contract (`shared/http/routes.ts`): public routes have
 * no authorizer, the others need a valid access token and the handler checks the roles, because API
 * Gateway's JWT authorizer checks scopes, not groups.
 */
export class HttpApiConstruct extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  readonly functions = new Map<string, HouseFunction>();
  private readonly authorizer: HttpUserPoolAuthorizer;
  private readonly table: ITableV2;

  constructor(scope: Construct, id: string, props: HttpApiConstructProps) {
    super(scope, id);
    this.table = props.table;
    this.api = new HttpApi(this, 'Http', {
      description: 'Lào Cai investor onboarding API',
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: props.allowOrigins ?? ['*'],
        allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PUT, CorsHttpMethod.OPTIONS],
        allowHeaders: ['authorization', 'content-type', 'idempotency-key'],
        exposeHeaders: ['location', 'retry-after'],
        maxAge: Duration.hours(1),
      },
    });
    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.THREE_MONTHS });
    const throttle = props.throttle ?? { rateLimit: 100, burstLimit: 200 };
    this.stage = this.api.addStage('Stage', {
      stageName: '$default',
      autoDeploy: true,
      throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
            sub: '$context.authorizer.claims.sub',
            responseLength: '$context.responseLength',
          }),
        ),
      },
    });
    this.authorizer = new HttpUserPoolAuthorizer('Cognito', props.identity.userPool, {
      userPoolClients: [props.identity.client],
      identitySource: ['$request.header.Authorization'],
    });
  }

  /** The base URL of the deployed API. */
  get url(): string {
    return this.stage.url;
  }

  /**
   * Adds the route `spec` (method, path, auth) backed by `fn`: a HouseFunction, or the entry file of a
   * new one named after the operation (`table` binds it to the data table with that access).
   */
  addRoute(spec: RouteSpec, fn: RouteFunction): HouseFunction {
    const id = spec.operationId.charAt(0).toUpperCase() + spec.operationId.slice(1);
    const house =
      fn instanceof HouseFunction
        ? fn
        : new HouseFunction(this, id, {
            entry: fn.entry,
            description: `${routeKey(spec)}: ${spec.summary}`.slice(0, 256),
            timeout: fn.timeout ?? Duration.seconds(10),
            ...(fn.memorySize ? { memorySize: fn.memorySize } : {}),
          });
    if (!(fn instanceof HouseFunction) && fn.table) house.bindTable(this.table, fn.table);
    if (!(fn instanceof HouseFunction) && fn.table === 'write') {
      const reason =
        'Writing to the table encrypted with its customer-managed key: the key is named, only the action family is wildcarded (CDK grantReadWriteData).';
      Validations.of(house.fn).acknowledge(
        { id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason },
        { id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason },
      );
    }
    if (!(fn instanceof HouseFunction) && fn.eventBus) WorkflowEventBus.grantPublish(fn.eventBus, house.fn);
    if (!(fn instanceof HouseFunction) && fn.answersTokens) {
      // SendTaskSuccess/Failure/Heartbeat act on a task token, not on a resource: IAM offers no narrower
      // resource than '*' (the HouseFunction's AwsSolutions-IAM5[Resource::*] acknowledgement covers it).
      house.fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
          resources: ['*'],
        }),
      );
    }
    const routes = this.api.addRoutes({
      path: spec.path,
      methods: [HttpMethod[spec.method]],
      integration: new HttpLambdaIntegration(`${id}Integration`, house.fn),
      ...(spec.auth === 'public' ? {} : { authorizer: this.authorizer }),
    });
    if (spec.auth === 'public') {
      for (const route of routes) {
        Validations.of(route).acknowledge({
          id: 'AwsSolutions::AwsSolutions-APIG4',
          reason: `${routeKey(spec)} is public by design (the zone catalog, statistics and API description are open data).`,
        });
      }
    }
    this.functions.set(routeKey(spec), house);
    return house;
  }
}
