import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app.ts';

describe('the CDK app', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'synth-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  const { app, stack } = buildApp(outdir, { bundle: false });
  const template = Template.fromStack(stack);

  it('synthesizes offline with every cdk-nag AwsSolutions finding fixed or acknowledged', () => {
    const assembly = app.synth();
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: Array<{ pluginName: string; conclusion: string; violations: unknown[] }>;
    };
    const awsSolutions = report.pluginReports.find((r) => r.pluginName === 'AwsSolutions');
    expect(awsSolutions?.conclusion).toBe('success');
    expect(awsSolutions?.violations).toEqual([]);
    expect(assembly.stacks).toHaveLength(1);
  });

  it('makes every function with the house settings: Node 22 on ARM64, tracing, JSON logs', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    // CDK's own BucketDeployment handler (the web console's deployment; Python, chosen by aws-cdk-lib) is not ours.
    const house = Object.entries(functions).filter(([id]) => !id.startsWith('CustomCDKBucketDeployment'));
    expect(house.length).toBeGreaterThan(0);
    expect(Object.keys(functions).length - house.length).toBeLessThanOrEqual(1);
    for (const [id, fn] of house) {
      expect(fn.Properties, id).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: expect.objectContaining({ LogFormat: 'JSON' }),
      });
    }
  });

  it('gives the matching function read-only access to the table, by name in TABLE_NAME', () => {
    const functions = template.findResources('AWS::Lambda::Function', {
      Properties: { Description: Match.stringLikeRegexp('Ranks the plots') },
    });
    const [matchSites] = Object.values(functions);
    expect(matchSites?.Properties.Environment.Variables.TABLE_NAME).toBeDefined();
    const roleId = matchSites?.Properties.Role['Fn::GetAtt'][0] as string;
    // The policies attached to the matching function's own role, not the other functions' roles.
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.Roles).includes(`"${roleId}"`),
    );
    expect(policies.length).toBeGreaterThan(0);
    const actions = JSON.stringify(policies.map((p) => p.Properties.PolicyDocument.Statement));
    expect(actions).toContain('dynamodb:Query');
    expect(actions).not.toContain('dynamodb:PutItem');
    expect(actions).not.toContain('dynamodb:DeleteItem');
  });
});
