import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { OnboardingStack } from './stack.ts';

export const STACK_NAME = 'LaoCaiOnboarding';

export interface BuildOptions {
  /**
   * Bundle the Lambda functions (default true). Tests that only assert on the template pass false: CDK
   * then skips every esbuild run (the `aws:cdk:bundling-stacks` context), and the template is the same
   * but for the assets' hashes.
   */
  bundle?: boolean;
}

/** Builds the CDK app with cdk-nag's AwsSolutions pack applied; `outdir` defaults to cdk.out. */
export function buildApp(outdir?: string, options: BuildOptions = {}): { app: App; stack: OnboardingStack } {
  const context = options.bundle === false ? { 'aws:cdk:bundling-stacks': [] } : undefined;
  const app = new App({ ...(outdir ? { outdir } : {}), ...(context ? { context } : {}) });
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
