import { type CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ApprovalStages } from '../../workflows/approval-stages.ts';
import { ClearanceWait } from '../../workflows/clearance-wait.ts';
import {
  buildOnboardingDefinition,
  type OnboardingFragments,
  type OnboardingFunctions,
} from '../../workflows/onboarding.ts';
import { WorkflowEventBus } from './event-bus.ts';
import { HouseFunction } from './house-function.ts';

export interface OnboardingWorkflowProps {
  table: ITableV2;
  eventBus: IEventBus;
}

/**
 * The approval and clearance-wait fragments (engineer AP's `workflows/approval-stages.ts` and
 * `workflows/clearance-wait.ts`), built in this construct's scope with their own Lambdas.
 */
function fragments(scope: Construct, props: { table: ITableV2; eventBus: IEventBus }): OnboardingFragments {
  return {
    approvals: new ApprovalStages(scope, 'ApprovalStages', props),
    clearanceWait: new ClearanceWait(scope, 'ClearanceWaitFragment', props),
  };
}

const STEPS: Record<keyof OnboardingFunctions, { entry: string; description: string }> = {
  submit: {
    entry: 'functions/workflow/submit.ts',
    description: 'Workflow: validates the enquiry, creates or gets the application',
  },
  matchAndHold: {
    entry: 'functions/workflow/match-and-hold.ts',
    description: 'Workflow: matches sites on live plot state and holds the best free plot',
  },
  route: {
    entry: 'functions/workflow/route.ts',
    description: 'Workflow: routes the application by the rule set of its filing date',
  },
  applyReview: {
    entry: 'functions/workflow/apply-review.ts',
    description: "Workflow: re-routes an application after the routing review official's choice",
  },
  checkSite: {
    entry: 'functions/workflow/check-site.ts',
    description: 'Workflow: land-clearance, sector, utilities and environmental checks on the held plot',
  },
  allocate: {
    entry: 'functions/workflow/allocate.ts',
    description: 'Workflow: turns the hold into an allocation',
  },
  compensate: {
    entry: 'functions/workflow/compensate.ts',
    description: 'Workflow: releases the plot, records why and closes the application',
  },
};

/**
 * The onboarding state machine: Standard, JSONata, X-Ray tracing, every event logged (with execution data)
 * to its own log group, an execution timeout, the main line's Lambdas (write access to the table, publish
 * to the bus) and AP's approval and clearance-wait fragments.
 */
export class OnboardingWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly functions: Record<keyof OnboardingFunctions, HouseFunction>;

  constructor(scope: Construct, id: string, props: OnboardingWorkflowProps) {
    super(scope, id);
    const functions = {} as Record<keyof OnboardingFunctions, HouseFunction>;
    for (const [key, step] of Object.entries(STEPS) as [
      keyof OnboardingFunctions,
      (typeof STEPS)[keyof OnboardingFunctions],
    ][]) {
      const fn = new HouseFunction(this, `${key.charAt(0).toUpperCase()}${key.slice(1)}Step`, {
        ...step,
        timeout: Duration.seconds(30),
      }).bindTable(props.table, 'write');
      WorkflowEventBus.grantPublish(props.eventBus, fn.fn);
      Validations.of(fn.fn).acknowledge(
        {
          id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
          reason:
            'Writing to the table encrypted with its customer-managed key: the key is named, only the action family is wildcarded (CDK grantReadWriteData).',
        },
        {
          id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
          reason:
            'Writing to the table encrypted with its customer-managed key: the key is named, only the action family is wildcarded (CDK grantReadWriteData).',
        },
      );
      functions[key] = fn;
    }
    this.functions = functions;
    const fns = Object.fromEntries(
      Object.entries(functions).map(([k, f]) => [k, f.fn]),
    ) as unknown as OnboardingFunctions;
    const definition = buildOnboardingDefinition(
      this,
      fns,
      fragments(this, { table: props.table, eventBus: props.eventBus }),
    );
    const logs = new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      queryLanguage: sfn.QueryLanguage.JSONATA,
      stateMachineType: sfn.StateMachineType.STANDARD,
      comment:
        'Investor onboarding: enquiry → routing → site matching → plot hold → checks → approvals → allocation',
      tracingEnabled: true,
      timeout: Duration.days(365),
      logs: { destination: logs, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    const stack = Stack.of(this);
    Validations.of(this.stateMachine).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason:
          'Step Functions log delivery (logs:CreateLogDelivery, ...) and X-Ray (xray:PutTraceSegments) do not support resource-level permissions.',
      },
      ...Object.values(functions).map((f) => ({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${stack.getLogicalId(f.fn.node.defaultChild as CfnElement)}.Arn>:*]`,
        reason: 'Invoking this workflow step function, any version or alias of it (CDK LambdaInvoke grant).',
      })),
    );
  }
}
