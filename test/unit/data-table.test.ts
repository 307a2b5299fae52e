import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app.ts';
import { DataTable } from '#infra/constructs/data-table.ts';
import { createTableInput } from '#local/dynamodb/tables.ts';

let template: Template;

beforeAll(() => {
  template = Template.fromStack(buildApp(undefined, { bundle: false }).stack);
});

function tableResource() {
  const tables = template.findResources('AWS::DynamoDB::GlobalTable');
  const [entry] = Object.entries(tables);
  if (!entry) throw new Error('no GlobalTable in the stack');
  return {
    logicalId: entry[0],
    resource: entry[1] as { Properties: Record<string, unknown> } & Record<string, unknown>,
  };
}

describe('the application table', () => {
  it('is one table keyed by generic string attributes pk and sk, billed on demand', () => {
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    });
    const definitions = tableResource().resource.Properties.AttributeDefinitions as unknown[];
    expect(definitions).toEqual(
      expect.arrayContaining(
        ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'gsi3pk', 'gsi3sk'].map((name) => ({
          AttributeName: name,
          AttributeType: 'S',
        })),
      ),
    );
    expect(definitions).toHaveLength(8);
  });

  it('has exactly the three indexes the access patterns need, each projecting all attributes', () => {
    const indexes = tableResource().resource.Properties.GlobalSecondaryIndexes as unknown[];
    expect(indexes).toEqual(
      [1, 2, 3].map((n) => ({
        IndexName: `gsi${n}`,
        KeySchema: [
          { AttributeName: `gsi${n}pk`, KeyType: 'HASH' },
          { AttributeName: `gsi${n}sk`, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    );
  });

  it('keeps point-in-time recovery and deletion protection on', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: [
        Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        }),
      ],
    });
  });

  it('is encrypted with its own rotated KMS key', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      Replicas: [
        Match.objectLike({
          SSESpecification: { KMSMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DataKey'), 'Arn'] } },
        }),
      ],
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('survives a stack deletion or replacement, and so does its key', () => {
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

describe('grants', () => {
  function grantedActions(access: 'read' | 'write'): string[] {
    const app = new App();
    const stack = new Stack(app, 'GrantTest', { env: { region: 'ap-southeast-1' } });
    const data = new DataTable(stack, 'Data');
    const role = new Role(stack, 'Reader', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    data.grant(role, access);
    const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
    return Object.values(policies).flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>).flatMap((s) =>
        Array.isArray(s.Action) ? s.Action : [s.Action],
      ),
    );
  }

  it('lets a reader decrypt with the table key but not write', () => {
    const actions = grantedActions('read');
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'kms:Decrypt']));
    expect(actions).not.toContain('dynamodb:PutItem');
    expect(actions).not.toContain('kms:Encrypt');
  });

  it('lets a writer encrypt with the table key', () => {
    const actions = grantedActions('write');
    expect(actions).toEqual(
      expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:UpdateItem', 'kms:Decrypt', 'kms:Encrypt']),
    );
  });
});

describe('creating the template tables in DynamoDB Local', () => {
  it('keeps keys and indexes, and drops what DynamoDB Local does not model', () => {
    const { input, ttlAttribute } = createTableInput('Orders1234', {
      TableName: 'orders',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [
        { AttributeName: 'id', AttributeType: 'S' },
        { AttributeName: 'at', AttributeType: 'N' },
      ],
      LocalSecondaryIndexes: [
        {
          IndexName: 'byTime',
          KeySchema: [
            { AttributeName: 'id', KeyType: 'HASH' },
            { AttributeName: 'at', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['total'] },
        },
      ],
      BillingMode: 'PROVISIONED',
      ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
      TimeToLiveSpecification: { AttributeName: 'expires', Enabled: true },
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
    expect(input).toEqual({
      TableName: 'orders',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [
        { AttributeName: 'id', AttributeType: 'S' },
        { AttributeName: 'at', AttributeType: 'N' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      LocalSecondaryIndexes: [
        {
          IndexName: 'byTime',
          KeySchema: [
            { AttributeName: 'id', KeyType: 'HASH' },
            { AttributeName: 'at', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['total'] },
        },
      ],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    });
    expect(ttlAttribute).toBe('expires');
  });

  it('names a table without a literal TableName after its logical ID, with the prefix', () => {
    const props = { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], TableName: { Ref: 'Something' } };
    expect(createTableInput('DataTableFDBAD0F2', props, 'test-').input.TableName).toBe(
      'test-DataTableFDBAD0F2',
    );
  });

  it('refuses a table without a key schema, naming the resource and field', () => {
    expect(() => createTableInput('Broken', {})).toThrow('Broken.Properties.KeySchema: is required');
  });
});
