import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app.ts';

describe('the CDK app', () => {
  it('synthesizes one stack with the application table', () => {
    const { stack } = buildApp();
    const template = Template.fromStack(stack);
    expect(Object.keys(template.findResources('AWS::DynamoDB::GlobalTable'))).toHaveLength(1);
  });
});
