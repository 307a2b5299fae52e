/**
 * The web console's CDK construct: a private, TLS-only bucket behind CloudFront with origin access
 * control, the built console deployed with its config.json (API URL and Cognito client at deploy
 * time), security and caching headers, and no cdk-nag finding left unexplained.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { WebConsole } from '#infra/constructs/console.ts';

describe('the web console construct', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'web-infra-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  const app = new App({ outdir });
  const stack = new Stack(app, 'ConsoleOnly', { env: { region: 'ap-southeast-1' } });
  const signInDomain = 'https://laocai-test.auth.ap-southeast-1.amazoncognito.com';
  new WebConsole(stack, 'Console', {
    apiUrl: 'https://abc123.execute-api.ap-southeast-1.amazonaws.com/',
    signIn: { domainUrl: signInDomain, clientId: 'client-123', scopes: ['openid', 'email', 'profile'] },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  const assembly = app.synth();
  const template = Template.fromStack(stack);

  it('keeps the files in buckets with public access blocked, encrypted, TLS only', () => {
    const buckets = template.findResources('AWS::S3::Bucket');
    expect(Object.keys(buckets)).toHaveLength(2);
    template.allResourcesProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: Match.objectLike({}),
    });
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));
    expect(policies).toHaveLength(2);
    for (const p of policies) {
      expect(JSON.stringify(p)).toContain('"aws:SecureTransport":"false"');
    }
  });

  it('serves through CloudFront with origin access control, HTTPS only, index.html at the root', () => {
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
      }),
    });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
        CacheBehaviors: [
          Match.objectLike({ PathPattern: '/assets/*', ViewerProtocolPolicy: 'redirect-to-https' }),
        ],
        Origins: [Match.objectLike({ OriginAccessControlId: Match.anyValue() })],
        Logging: Match.objectLike({ Prefix: 'cloudfront/' }),
      }),
    });
  });

  it('sends a CSP allowing only its own code, the API and the sign-in domain, immutable caching for hashed assets only', () => {
    const policies = Object.values(template.findResources('AWS::CloudFront::ResponseHeadersPolicy')).map(
      (p) => JSON.stringify(p),
    );
    expect(policies).toHaveLength(2);
    for (const p of policies) {
      expect(p).toContain("script-src 'self'");
      expect(p).toContain('https://abc123.execute-api.ap-southeast-1.amazonaws.com');
      expect(p).toContain(signInDomain);
      expect(p).not.toContain('cognito-idp');
      expect(p).not.toContain('unsafe-inline');
    }
    expect(policies.filter((p) => p.includes('public, max-age=31536000, immutable'))).toHaveLength(1);
    expect(policies.filter((p) => p.includes('"no-cache"'))).toHaveLength(1);
  });

  it('deploys the AWS build (no demo users) and a config.json with the API URL and managed login', () => {
    template.resourceCountIs('Custom::CDKBucketDeployment', 1);
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      DistributionPaths: ['/', '/index.html', '/config.json'],
    });
    const assets = readdirSync(outdir).filter(
      (d) => d.startsWith('asset.') && existsSync(join(outdir, d, 'index.html')),
    );
    expect(assets).toHaveLength(1);
    const dir = join(outdir, assets[0] as string);
    const scripts = readdirSync(join(dir, 'assets')).filter((f) => f.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(0);
    for (const f of scripts) expect(readFileSync(join(dir, 'assets', f), 'utf8')).not.toContain('demo-users');
    const configDir = readdirSync(outdir).find((d) => existsSync(join(outdir, d, 'config.json')));
    const config = JSON.parse(readFileSync(join(outdir, configDir as string, 'config.json'), 'utf8'));
    // The console's own address is known at deploy time only: a marker the deployment replaces.
    expect(config).toEqual({
      apiUrl: 'https://abc123.execute-api.ap-southeast-1.amazonaws.com',
      auth: {
        kind: 'cognito',
        domain: signInDomain,
        clientId: 'client-123',
        redirectUri: expect.stringMatching(/^https:\/\/<<marker:0xbaba:\d>>\/$/),
        logoutUri: expect.stringMatching(/^https:\/\/<<marker:0xbaba:\d>>\/$/),
        scopes: ['openid', 'email', 'profile'],
      },
    });
  });

  it('leaves no cdk-nag finding unexplained', () => {
    const errors = assembly
      .getStackByName(stack.stackName)
      .messages.filter((m) => m.level === 'error')
      .map((m) => `${m.id}: ${String(m.entry.data).slice(0, 120)}`);
    expect(errors).toEqual([]);
  });
});
