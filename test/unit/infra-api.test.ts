import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { DataTable } from '#infra/constructs/data-table.ts';
import { HttpApiConstruct } from '#infra/constructs/http-api.ts';
import { Identity } from '#infra/constructs/identity.ts';
import { ROLES, ZONES_CLAIM } from '#shared/http/roles.ts';
import { routeKey } from '#shared/http/route.ts';
import { ROUTES } from '#shared/http/routes.ts';

describe('the HTTP API and Cognito constructs', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'infra-api-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  const app = new App({ outdir });
  const stack = new Stack(app, 'ApiOnly', { env: { region: 'ap-southeast-1' } });
  const data = new DataTable(stack, 'Data');
  const api = new HttpApiConstruct(stack, 'Api', {
    identity: new Identity(stack, 'Identity', { consoleUrl: 'https://d111111abcdef8.cloudfront.net' }),
    table: data.table,
    throttle: { rateLimit: 50, burstLimit: 100 },
  });
  // What is asserted here is the API's routes and their authorization, not the handlers: every route gets
  // the same small handler (the stack wires each route to its own, tested by the synth and gateway tests).
  for (const spec of ROUTES) api.addRoute(spec, { entry: 'functions/http/get-openapi.ts', table: 'read' });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  const template = Template.fromStack(stack);

  it('is an HTTP API with CORS for the console’s headers', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: Match.objectLike({
        AllowHeaders: Match.arrayWith(['authorization', 'content-type', 'idempotency-key']),
        ExposeHeaders: Match.arrayWith(['location', 'retry-after']),
      }),
    });
  });

  it('throttles the stage (rate and burst) and writes JSON access logs to a log group with a retention', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('has one route per contract: public ones without an authorizer, the others behind the Cognito JWT authorizer', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(ROUTES.map(routeKey).sort());
    for (const spec of ROUTES) {
      const route = routes.find((r) => r.Properties.RouteKey === routeKey(spec));
      expect(route?.Properties.AuthorizationType, routeKey(spec)).toBe(
        spec.auth === 'public' ? 'NONE' : 'JWT',
      );
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Audience: [{ Ref: Match.stringLikeRegexp('IdentityUsersWebConsole') }],
        Issuer: { 'Fn::Join': ['', Match.arrayWith([{ Ref: Match.stringLikeRegexp('IdentityUsers') }])] },
      },
    });
    template.allResourcesProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
    });
  });

  it('has a Cognito group per role, the zone scope attribute, and a public client that cannot write the scope', () => {
    const groups = Object.values(template.findResources('AWS::Cognito::UserPoolGroup')).map(
      (g) => g.Properties.GroupName,
    );
    expect(groups.sort()).toEqual([...ROLES].sort());
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      Schema: Match.arrayWith([
        Match.objectLike({ Name: ZONES_CLAIM.replace('custom:', ''), Mutable: true }),
      ]),
      LambdaConfig: { PreTokenGenerationConfig: { LambdaArn: Match.anyValue(), LambdaVersion: 'V2_0' } },
      UserPoolTier: 'ESSENTIALS',
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12 }) },
    });
    const client = Object.values(template.findResources('AWS::Cognito::UserPoolClient'))[0];
    expect(client?.Properties.GenerateSecret).toBe(false);
    expect(client?.Properties.ReadAttributes).toContain(ZONES_CLAIM);
    expect(client?.Properties.WriteAttributes).not.toContain(ZONES_CLAIM);
  });

  it('gives route functions read-only table access', () => {
    const policies = JSON.stringify(Object.values(template.findResources('AWS::IAM::Policy')));
    expect(policies).toContain('dynamodb:Query');
    expect(policies).not.toContain('dynamodb:PutItem');
  });

  it('leaves no cdk-nag AwsSolutions finding unacknowledged', () => {
    app.synth();
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: Array<{ pluginName: string; violations: Array<{ ruleName: string }> }>;
    };
    const violations = report.pluginReports.find((r) => r.pluginName === 'AwsSolutions')?.violations ?? [];
    expect(violations.map((v) => v.ruleName)).toEqual([]);
  });
});
