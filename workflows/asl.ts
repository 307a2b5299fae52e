/**
 * The onboarding state machine's ASL, generated from the CDK definition into `workflows/onboarding.asl.json`
 * (`npm run workflow:asl`), so a reviewer reads the machine as Step Functions will, and a test fails when the
 * JSON drifts from the CDK. CloudFormation references in the definition (the Lambdas' ARNs) are written as
 * `${LogicalId.Attribute}` placeholders (the partition as `aws`); the Lambdas are not bundled for this.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../infra/app.ts';

export const ASL_PATH = new URL('./onboarding.asl.json', import.meta.url);

type Part = string | { 'Fn::GetAtt'?: [string, string]; Ref?: string };

/** `Fn::Join` parts → one string, references as `${Id.Attr}` / `${Id}`. */
function joinParts(parts: Part[]): string {
  return parts
    .map((p) => {
      if (typeof p === 'string') return p;
      if (p['Fn::GetAtt']) return `\${${p['Fn::GetAtt'].join('.')}}`;
      // The commercial partition: the stack deploys to ap-southeast-1 (a concrete ARN validates as ASL).
      if (p.Ref === 'AWS::Partition') return 'aws';
      if (p.Ref) return `\${${p.Ref}}`;
      throw new Error(`unexpected part in the definition: ${JSON.stringify(p)}`);
    })
    .join('');
}

/** The definition as an object, from a synthesis that skips bundling. */
export function onboardingAsl(): Record<string, unknown> {
  const previous = process.env.CDK_CONTEXT_JSON;
  process.env.CDK_CONTEXT_JSON = JSON.stringify({
    ...(previous ? (JSON.parse(previous) as object) : {}),
    'aws:cdk:bundling-stacks': [],
  });
  const outdir = mkdtempSync(join(tmpdir(), 'asl-'));
  try {
    const { stack } = buildApp(outdir);
    const template = Template.fromStack(stack).toJSON() as {
      Resources: Record<string, { Properties: { DefinitionString: unknown } }>;
    };
    const id = stack.getLogicalId(stack.workflow.stateMachine.node.defaultChild as CfnElement);
    const definition = template.Resources[id]?.Properties.DefinitionString;
    const text =
      typeof definition === 'string'
        ? definition
        : joinParts((definition as { 'Fn::Join': [string, Part[]] })['Fn::Join'][1]);
    return JSON.parse(text) as Record<string, unknown>;
  } finally {
    if (previous === undefined) delete process.env.CDK_CONTEXT_JSON;
    else process.env.CDK_CONTEXT_JSON = previous;
    rmSync(outdir, { recursive: true, force: true });
  }
}

export function renderAsl(definition: Record<string, unknown>): string {
  return `${JSON.stringify(definition, null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(ASL_PATH, renderAsl(onboardingAsl()));
  console.log(`wrote ${ASL_PATH.pathname}`);
}
