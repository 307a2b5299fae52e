/**
 * Sign-in on AWS, as the whole stack defines it: Cognito's managed login on a user pool domain, one
 * public app client for the console (authorization code with PKCE, no secret, no implicit grant, no
 * password flow the console's code could use), whose only callback and sign-out URL is the console's
 * CloudFront address; the console's config.json carrying the domain, the client and those URLs; the
 * API's JWT authorizer taking that client's access tokens; and no dependency cycle among them.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app.ts';

type Resource = { Type: string; Properties?: Record<string, unknown>; DependsOn?: string | string[] };

describe('sign-in on AWS (Cognito managed login, the console, the API)', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'infra-sign-in-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  const { app, stack } = buildApp(outdir, { bundle: false });
  app.synth();
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<string, Resource>;
  const only = (type: string): [string, Resource] => {
    const found = Object.entries(resources).filter(([, r]) => r.Type === type);
    expect(found, type).toHaveLength(1);
    return found[0] as [string, Resource];
  };
  const [poolId] = only('AWS::Cognito::UserPool');
  const [clientId, client] = only('AWS::Cognito::UserPoolClient');
  const [domainId, domain] = only('AWS::Cognito::UserPoolDomain');
  const [cdnId] = only('AWS::CloudFront::Distribution');
  const consoleRoot = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [cdnId, 'DomainName'] }, '/']] };

  it('has one public client for the console: code grant only, PKCE (no secret), Cognito users only', () => {
    expect(client.Properties).toMatchObject({
      UserPoolId: { Ref: poolId },
      GenerateSecret: false,
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      SupportedIdentityProviders: ['COGNITO'],
      EnableTokenRevocation: true,
    });
    expect([...((client.Properties?.AllowedOAuthScopes as string[] | undefined) ?? [])].sort()).toEqual([
      'email',
      'openid',
      'profile',
    ]);
    // No flow that hands a password to the console's JavaScript.
    const flows = client.Properties?.ExplicitAuthFlows as string[];
    expect(flows).not.toContain('ALLOW_USER_PASSWORD_AUTH');
    expect(flows).not.toContain('ALLOW_ADMIN_USER_PASSWORD_AUTH');
    expect(flows).toContain('ALLOW_REFRESH_TOKEN_AUTH');
  });

  it('sends people back only to the console’s CloudFront address, after sign-in and after sign-out', () => {
    expect(client.Properties?.CallbackURLs).toEqual([consoleRoot]);
    expect(client.Properties?.LogoutURLs).toEqual([consoleRoot]);
  });

  it('has a Cognito domain with managed login (version 2) and Cognito’s own style for the client', () => {
    expect(domain.Properties).toMatchObject({ UserPoolId: { Ref: poolId }, ManagedLoginVersion: 2 });
    // A prefix unique in the region (the account id), without the words Cognito reserves.
    expect(domain.Properties?.Domain).toEqual({
      'Fn::Join': ['', ['laocai-onboarding-', { Ref: 'AWS::AccountId' }]],
    });
    const [, branding] = only('AWS::Cognito::ManagedLoginBranding');
    expect(branding.Properties).toEqual({
      UserPoolId: { Ref: poolId },
      ClientId: { Ref: clientId },
      UseCognitoProvidedValues: true,
    });
  });

  it('has the API’s JWT authorizer take this client’s access tokens from this pool', () => {
    const [, authorizer] = only('AWS::ApiGatewayV2::Authorizer');
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'JWT',
      JwtConfiguration: { Audience: [{ Ref: clientId }] },
    });
    expect(JSON.stringify(authorizer.Properties)).toContain(`"Ref":"${poolId}"`);
  });

  it('deploys a config.json with the API, the managed login domain, the client, the return URLs and the notifications stream', () => {
    const [, deployment] = only('Custom::CDKBucketDeployment');
    const markers = (
      (deployment.Properties?.SourceMarkers as Array<Record<string, unknown>> | undefined) ?? []
    ).find((m) => Object.keys(m).length > 0);
    expect(markers).toBeDefined();
    const configDir = readdirSync(outdir).find((d) => existsSync(join(outdir, d, 'config.json')));
    expect(configDir).toBeDefined();
    // The file holds markers that the deployment replaces by the values of these CloudFormation expressions.
    let text = readFileSync(join(outdir, configDir as string, 'config.json'), 'utf8');
    for (const [marker, value] of Object.entries(markers ?? {})) {
      const v = value as { Ref?: string; 'Fn::GetAtt'?: string[] };
      text = text.split(marker).join(v.Ref ? `{Ref ${v.Ref}}` : `{GetAtt ${v['Fn::GetAtt']?.join('.')}}`);
    }
    const config = JSON.parse(text) as Record<string, unknown>;
    const [apiId] = only('AWS::ApiGatewayV2::Api');
    const [streamUrlId] = only('AWS::Lambda::Url');
    const region = stack.region;
    const back = `https://{GetAtt ${cdnId}.DomainName}/`;
    expect(config).toEqual({
      apiUrl: `https://{Ref ${apiId}}.execute-api.${region}.{Ref AWS::URLSuffix}`,
      auth: {
        kind: 'cognito',
        domain: `https://{Ref ${domainId}}.auth.${region}.amazoncognito.com`,
        clientId: `{Ref ${clientId}}`,
        redirectUri: back,
        logoutUri: back,
        scopes: ['openid', 'email', 'profile'],
      },
      notificationsStreamUrl: `{GetAtt ${streamUrlId}.FunctionUrl}`,
    });
  });

  it('lets the console call the managed login domain (token endpoint), no longer Cognito’s API, and the stream', () => {
    const policies = JSON.stringify(template.findResources('AWS::CloudFront::ResponseHeadersPolicy'));
    expect(policies).toContain(`{"Ref":"${domainId}"},".auth.${stack.region}.amazoncognito.com`);
    expect(policies).not.toContain('cognito-idp');
    // The notifications stream's function URL, by its region's pattern (its exact URL would be a cycle).
    expect(policies).toContain(`https://*.lambda-url.${stack.region}.on.aws`);
  });

  it('has no dependency cycle (the client needs the distribution; the distribution needs no client)', () => {
    const edges = new Map<string, Set<string>>();
    const refs = (value: unknown, into: Set<string>) => {
      if (Array.isArray(value)) for (const v of value) refs(v, into);
      else if (value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) {
          if (k === 'Ref' && typeof v === 'string' && v in resources) into.add(v);
          else if (k === 'Fn::GetAtt' && Array.isArray(v) && typeof v[0] === 'string') into.add(v[0]);
          else if (k === 'Fn::Sub' && typeof v === 'string') {
            for (const m of v.matchAll(/\$\{([A-Za-z0-9]+)[.}]/g))
              if (m[1] && m[1] in resources) into.add(m[1]);
          } else refs(v, into);
        }
      }
    };
    for (const [id, r] of Object.entries(resources)) {
      const into = new Set<string>([r.DependsOn ?? []].flat());
      refs(r.Properties, into);
      edges.set(id, into);
    }
    const reaches = (from: string, to: string): boolean => {
      const seen = new Set<string>();
      const stack = [from];
      while (stack.length) {
        const id = stack.pop() as string;
        if (id === to) return true;
        if (seen.has(id)) continue;
        seen.add(id);
        stack.push(...(edges.get(id) ?? []));
      }
      return false;
    };
    expect(reaches(clientId, cdnId)).toBe(true);
    expect(reaches(cdnId, clientId)).toBe(false);
    const cyclic = [...edges.keys()].filter((id) => [...(edges.get(id) ?? [])].some((d) => reaches(d, id)));
    expect(cyclic).toEqual([]);
  });
});
