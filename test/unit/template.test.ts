import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveTemplate, TemplateResolutionError } from '#local/template/template.ts';

const dir = mkdtempSync(join(tmpdir(), 'template-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HASH = 'abc123';
function write(resources: Record<string, unknown>): string {
  const path = join(dir, `Stack${Math.random().toString(36).slice(2)}.template.json`);
  writeFileSync(path, JSON.stringify({ Resources: resources }));
  writeFileSync(
    path.replace('.template.json', '.assets.json'),
    JSON.stringify({ files: { [HASH]: { source: { path: `asset.${HASH}`, packaging: 'zip' } } } }),
  );
  mkdirSync(join(dir, `asset.${HASH}`), { recursive: true });
  return path;
}

const base = {
  Table: { Type: 'AWS::DynamoDB::Table', Properties: {} },
  Role: { Type: 'AWS::IAM::Role', Properties: {} },
  Fn: {
    Type: 'AWS::Lambda::Function',
    Properties: {
      Code: { S3Bucket: 'x', S3Key: `${HASH}.zip` },
      Handler: 'index.handler',
      Runtime: 'nodejs22.x',
      Timeout: 7,
      MemorySize: 256,
      Environment: {
        Variables: {
          TABLE_NAME: { Ref: 'Table' },
          TABLE_ARN: { 'Fn::GetAtt': ['Table', 'Arn'] },
          MACHINE: { Ref: 'Machine' },
          // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax, not JavaScript.
          WHERE: { 'Fn::Sub': '${AWS::Region}/${AWS::AccountId}/${Table}' },
          FIRST: { 'Fn::Select': [1, { 'Fn::Split': [',', 'a,b,c'] }] },
        },
      },
    },
  },
  Machine: {
    Type: 'AWS::StepFunctions::StateMachine',
    Properties: {
      StateMachineName: 'onboarding',
      RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] },
      DefinitionString: {
        'Fn::Join': [
          '',
          [
            '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:',
            { Ref: 'AWS::Partition' },
            ':states:::lambda:invoke","Parameters":{"FunctionName":"',
            { 'Fn::GetAtt': ['Fn', 'Arn'] },
            // biome-ignore lint/suspicious/noTemplateCurlyInString: a DefinitionSubstitutions placeholder.
            '","Payload":{"t":"${TableName}"}},"End":true}}}',
          ],
        ],
      },
      DefinitionSubstitutions: { TableName: { Ref: 'Table' } },
    },
  },
};

describe('the template resolver', () => {
  it('resolves a state machine definition to local names', () => {
    const resolved = resolveTemplate({
      templatePath: write(base),
      assetsDir: dir,
      tableNames: { Table: 'local-table' },
    });
    const [machine] = resolved.stateMachines;
    expect(machine?.name).toBe('onboarding');
    expect(machine?.arn).toBe('arn:aws:states:ap-southeast-1:000000000000:stateMachine:onboarding');
    expect(machine?.roleArn).toBe('arn:aws:iam::000000000000:role/Role');
    expect(machine?.definition).toEqual({
      StartAt: 'A',
      States: {
        A: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: {
            FunctionName: 'arn:aws:lambda:ap-southeast-1:000000000000:function:Fn',
            Payload: { t: 'local-table' },
          },
          End: true,
        },
      },
    });
  });

  it("finds each function's asset folder, handler, limits and resolved environment", () => {
    const resolved = resolveTemplate({
      templatePath: write(base),
      assetsDir: dir,
      tableNames: { Table: 'local-table' },
    });
    expect(resolved.functions).toEqual([
      {
        logicalId: 'Fn',
        functionName: 'Fn',
        arn: 'arn:aws:lambda:ap-southeast-1:000000000000:function:Fn',
        codeDir: join(dir, `asset.${HASH}`),
        handler: 'index.handler',
        runtime: 'nodejs22.x',
        timeoutSeconds: 7,
        memorySize: 256,
        environment: {
          TABLE_NAME: 'local-table',
          TABLE_ARN: 'arn:aws:dynamodb:ap-southeast-1:000000000000:table/local-table',
          MACHINE: 'arn:aws:states:ap-southeast-1:000000000000:stateMachine:onboarding',
          WHERE: 'ap-southeast-1/000000000000/local-table',
          FIRST: 'b',
        },
      },
    ]);
  });

  it('names the logical ID it cannot resolve', () => {
    const broken = {
      ...base,
      Fn: {
        ...base.Fn,
        Properties: { ...base.Fn.Properties, Environment: { Variables: { X: { Ref: 'Missing' } } } },
      },
    };
    expect(() =>
      resolveTemplate({ templatePath: write(broken), assetsDir: dir, tableNames: { Table: 't' } }),
    ).toThrow(TemplateResolutionError);
    expect(() =>
      resolveTemplate({ templatePath: write(broken), assetsDir: dir, tableNames: { Table: 't' } }),
    ).toThrow(/Missing/);
  });

  it('refuses a table whose local name was not given', () => {
    expect(() => resolveTemplate({ templatePath: write(base), assetsDir: dir })).toThrow(/table Table/);
  });
});
