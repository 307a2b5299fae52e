/**
 * The approval stages of an application's route, as a CDK fragment (JSONata):
 *
 *   Approvals (Map over the route's stage groups by `order`, one group at a time)
 *     └ ApprovalGroup (Map over the group's stages, all at once: parallel agency opinions)
 *         └ StageSchedule ──▶ StageWait (.waitForTaskToken) ──▶ (the stage's approval)
 *               ▲                │ States.Timeout / States.HeartbeatTimeout / Approval.Resumed
 *               └────────────────┘
 *                                │ anything else (Application.Rejected, Application.Withdrawn,
 *                                ▼ Approval.Expired, ...) → StageFailed: the Map fails with that error
 *
 * StageSchedule opens the inbox task (due date from the statutory clock) and, at each checkpoint, records
 * the reminder or the escalation that came due (`shared/workflow/approval-stage.ts`); it returns how long
 * the next wait lasts. StageWait parks a fresh token on the task (server-side only: on the task record,
 * never in an event, a URL or an answer). Nobody heartbeats a human decision, so HeartbeatSeconds is the
 * time to the next checkpoint and TimeoutSeconds a backstop 5 minutes later: either ends the wait without
 * a decision and the stage re-checks its clock. A stage waits at most MAX_ROUNDS times.
 *
 * Reads the main line's variables `$applicationId`, `$zoneId` and `$route`; outputs `{ approvals: [...] }`
 * (each stage's decision, with `chosenPath` for a routing review). Fails with `Application.Rejected`,
 * `Application.Withdrawn` or `Approval.Expired`, which the main line's Catch turns into compensation.
 */
import { type CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { WorkflowEventBus } from '../infra/constructs/event-bus.ts';
import { HouseFunction } from '../infra/constructs/house-function.ts';
import { RETRIABLE_ERRORS } from './onboarding.ts';

export interface WaitFragmentProps {
  table: ITableV2;
  eventBus: IEventBus;
}

const NOW = '$states.context.State.EnteredTime';
const EXECUTION = '$states.context.Execution.Name';
/** What ends a wait without a decision: the stage re-checks its clock (or the plot its clearance). */
export const RECHECK_ERRORS = ['States.Timeout', 'States.HeartbeatTimeout', 'Approval.Resumed'];
/** Seconds a wait's TimeoutSeconds lies beyond its HeartbeatSeconds (the checkpoint). */
export const BACKSTOP_SECONDS = 300;

/** A workflow Lambda of the fragment: table write, publish to the bus, named in cdk-nag's findings. */
export function waitFunction(
  scope: Construct,
  id: string,
  props: WaitFragmentProps & { entry: string; description: string; answersTokens: boolean },
): HouseFunction {
  const fn = new HouseFunction(scope, id, {
    entry: props.entry,
    description: props.description,
    timeout: Duration.seconds(30),
  }).bindTable(props.table, 'write');
  WorkflowEventBus.grantPublish(props.eventBus, fn.fn);
  if (props.answersTokens) {
    // SendTaskSuccess/Failure act on a task token, not on a resource: IAM offers no narrower resource than
    // '*' (the HouseFunction's AwsSolutions-IAM5[Resource::*] acknowledgement covers this finding too).
    fn.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
        resources: ['*'],
      }),
    );
  }
  const reason =
    'Writing to the table encrypted with its customer-managed key: the key is named, only the action family is wildcarded (CDK grantReadWriteData).';
  Validations.of(fn.fn).acknowledge(
    { id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason },
    { id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason },
  );
  // The state machine's role may invoke this function (any version: CDK's LambdaInvoke grant).
  const stack = Stack.of(scope);
  Validations.of(stack).acknowledge({
    id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${stack.getLogicalId(fn.fn.node.defaultChild as CfnElement)}.Arn>:*]`,
    reason: 'Invoking this workflow step function, any version or alias of it (CDK LambdaInvoke grant).',
  });
  return fn;
}

/** A Lambda task of a wait fragment: JSONata payload with `executionName` and `at`, Retry with full jitter. */
export function waitTask(
  scope: Construct,
  id: string,
  fn: HouseFunction,
  payload: string,
  props: Partial<sfn.TaskStateBaseProps> & { outputs?: unknown; token?: boolean } = {},
): LambdaInvoke {
  const { token, ...rest } = props;
  const state = LambdaInvoke.jsonata(scope, id, {
    lambdaFunction: fn.fn,
    retryOnServiceExceptions: false,
    ...(token
      ? { integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN }
      : { payloadResponseOnly: true, taskTimeout: sfn.Timeout.duration(Duration.seconds(60)) }),
    payload: sfn.TaskInput.fromText(
      `{% $merge([${payload}, {"executionName": ${EXECUTION}, "at": ${NOW}}${token ? ', {"token": $states.context.Task.Token}' : ''}]) %}`,
    ),
    ...rest,
  });
  state.addRetry({
    errors: RETRIABLE_ERRORS,
    interval: Duration.seconds(1),
    maxAttempts: 4,
    backoffRate: 2,
    maxDelay: Duration.seconds(20),
    jitterStrategy: sfn.JitterType.FULL,
  });
  return state;
}

/** The route's stages grouped by `order` (ascending); stages sharing an order form one parallel group. */
export const STAGE_GROUPS =
  '( $orders := $sort($distinct($route.stages.order)); [$map($orders, function($o) { {"order": $o, "stages": [$route.stages[order = $o]]} })] )';

export class ApprovalStages extends sfn.StateMachineFragment {
  readonly startState: sfn.State;
  readonly endStates: sfn.INextable[];
  readonly scheduleFunction: HouseFunction;
  readonly waitFunction: HouseFunction;

  constructor(scope: Construct, id: string, props: WaitFragmentProps) {
    super(scope, id);
    this.scheduleFunction = waitFunction(this, 'ApprovalSchedule', {
      ...props,
      entry: 'functions/workflow/approval-schedule.ts',
      description: "Workflow: opens an approval stage's inbox task and keeps its statutory clock",
      answersTokens: false,
    });
    this.waitFunction = waitFunction(this, 'ApprovalWait', {
      ...props,
      entry: 'functions/workflow/approval-wait.ts',
      description: "Workflow: parks an approval stage's task token on its inbox task (server-side only)",
      answersTokens: true,
    });

    const failed = sfn.Fail.jsonata(this, 'StageFailed', {
      comment: 'Ends the stage (and so the Map) with the error that ended its wait.',
      error: '{% $states.input.Error %}',
      cause: '{% $states.input.Cause %}',
    });
    const schedule = waitTask(
      this,
      'StageSchedule',
      this.scheduleFunction,
      '{"applicationId": $applicationId, "zoneId": $zoneId, "stage": $states.input.stage, "round": $states.input.round}',
      { outputs: '{% $merge([$states.input, $states.result]) %}' },
    );
    schedule.addCatch(failed, { errors: ['States.ALL'] });
    const wait = waitTask(
      this,
      'StageWait',
      this.waitFunction,
      '{"applicationId": $applicationId, "taskId": $states.input.taskId}',
      {
        token: true,
        heartbeatTimeout: sfn.Timeout.jsonata('{% $states.input.waitSeconds %}'),
        taskTimeout: sfn.Timeout.jsonata(`{% $states.input.waitSeconds + ${BACKSTOP_SECONDS} %}`),
        outputs: '{% $states.result %}',
      },
    );
    wait.addCatch(schedule, { errors: RECHECK_ERRORS, outputs: '{% $states.input %}' });
    wait.addCatch(failed, { errors: ['States.ALL'] });

    const group = sfn.Map.jsonata(this, 'ApprovalGroup', {
      comment: 'The stages of one order, in parallel (agency opinions).',
      items: sfn.ProvideItems.jsonata('{% $states.input.stages %}'),
      jsonataItemSelector: '{% {"stage": $states.context.Map.Item.Value, "round": 0} %}',
      maxConcurrency: 0,
    });
    group.itemProcessor(schedule.next(wait));
    const approvals = sfn.Map.jsonata(this, 'Approvals', {
      comment: "The route's stage groups, one after another.",
      items: sfn.ProvideItems.jsonata(`{% ${STAGE_GROUPS} %}`),
      maxConcurrency: 1,
      outputs: '{% {"approvals": $reduce($states.result, function($acc, $g) { $append($acc, $g) }, [])} %}',
    });
    approvals.itemProcessor(group);
    this.startState = approvals;
    this.endStates = [approvals];
  }
}
