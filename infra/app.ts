import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { OnboardingStack } from './stack.ts';

export const STACK_NAME = 'LaoCaiOnboarding';

/** Builds the CDK app with cdk-nag's AwsSolutions pack applied; `outdir` defaults to cdk.out. */
export function buildApp(outdir?: string): { app: App; stack: OnboardingStack } {
  const app = new App(outdir ? { outdir } : {});
  const stack = new OnboardingStack(app, STACK_NAME, {
    env: {
      region: process.env.CDK_DEFAULT_REGION ?? 'ap-southeast-1',
      account: process.env.CDK_DEFAULT_ACCOUNT,
    },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildApp().app.synth();
}
