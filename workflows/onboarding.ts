/**
 * The onboarding workflow's main line, as a CDK chain (JSONata, variables). One Standard execution per
 * application, named by its id:
 *
 *   Submit → MatchAndHold → SiteFound? ─no─→ WaitForCapacity (bounded) → MatchAndHold
 *                              │yes                    └ exhausted → NoCapacity → Compensate
 *                              ▼
 *                            Route → NeedsReview? ─yes→ Approvals (the routing-review stage) ┐
 *                              │no                                                          │
 *                              ▼                                                            │
 *   ┌──────────────────→ CheckSite → Checked? ─next-candidate→ MatchAndHold (plot released)  │
 *   │ ApplyReview ←─ review ─┐        │clear   └wait-clearance→ ClearanceWait → CheckSite     │
 *   │                        │        ▼                                                     │
 *   └──────────────── Approved? ← Approvals (the route's stages) ←──────────────────────────┘
 *                            │ done
 *                            ▼
 *                         Allocate (End)
 *   Any task's failure → Compensate (release the plot, record why, terminal status) → Closed / Failed
 *
 * Variables (AP's fragments read them): $applicationId, $investorId, $route, $zoneId, $plotId; and
 * $enquiry, $filedAt, $routing, $excluded, $capacityAttempt, $moves, $approvals for the main line.
 * "Now" for every Lambda is the state's entered time (`at`), so the engine's clock drives it in tests.
 * Lambdas publish their own events (no state per event) to keep the transitions per application low.
 */
import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';

/** Bounds of the main line's loops. */
export const LIMITS = {
  /** Re-matches while waiting for capacity, and the time between two. */
  capacityChecks: 6,
  capacityWait: Duration.days(7),
  /** Candidates left because of a blocker before the application fails. */
  maxMoves: 3,
} as const;

/** Errors worth another attempt: Lambda's service errors, throttles, contention and lost events. */
export const RETRIABLE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.Unknown',
  'TransactionContentionError',
  'StaleVersionError',
  'EventPublishError',
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'InternalServerError',
  'TimeoutError',
];

/** Something that can stand in the chain and have a Catch added (a state, or a fragment exposing one). */
export interface CatchableFragment extends sfn.IChainable {
  readonly startState: sfn.State;
  readonly endStates: sfn.INextable[];
}

export interface OnboardingFunctions {
  submit: IFunction;
  matchAndHold: IFunction;
  route: IFunction;
  applyReview: IFunction;
  checkSite: IFunction;
  allocate: IFunction;
  compensate: IFunction;
}

export interface OnboardingFragments {
  /** AP's ApprovalStages over `$route.stages`; output `{ approvals }`. */
  approvals: CatchableFragment;
  /** AP's ClearanceWait on `$plotId`; output `{ clearance }`. */
  clearanceWait: CatchableFragment;
}

const NOW = '$states.context.State.EnteredTime';
const EXECUTION = '$states.context.Execution.Name';

/** A Lambda task: JSONata payload, the result as the state's result, Retry with jitter, no default retry. */
function task(
  scope: Construct,
  id: string,
  fn: IFunction,
  payload: string,
  props: Partial<sfn.TaskStateBaseProps> & { assign?: Record<string, unknown>; outputs?: unknown } = {},
) {
  const state = LambdaInvoke.jsonata(scope, id, {
    lambdaFunction: fn,
    payloadResponseOnly: true,
    retryOnServiceExceptions: false,
    payload: sfn.TaskInput.fromText(
      `{% $merge([${payload}, {"executionName": ${EXECUTION}, "at": ${NOW}}]) %}`,
    ),
    taskTimeout: sfn.Timeout.duration(Duration.seconds(60)),
    ...props,
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

/** Adds the compensation Catch to every catchable state at the top level of a fragment. */
function catchAll(fragment: CatchableFragment, handler: sfn.IChainable, props: sfn.CatchProps) {
  for (const state of sfn.State.findReachableStates(fragment.startState)) {
    if (state instanceof sfn.TaskStateBase || state instanceof sfn.Map || state instanceof sfn.Parallel) {
      if (!hasCatchAll(state)) state.addCatch(handler, props);
    }
  }
}

function hasCatchAll(state: sfn.State): boolean {
  const json = state.toStateJson(sfn.QueryLanguage.JSONATA) as { Catch?: { ErrorEquals: string[] }[] };
  return (json.Catch ?? []).some((c) => c.ErrorEquals.includes('States.ALL'));
}

export function buildOnboardingDefinition(
  scope: Construct,
  fns: OnboardingFunctions,
  fragments: OnboardingFragments,
): sfn.IChainable {
  const appArgs = '{"applicationId": $applicationId, "investorId": $investorId}';
  const caught = { errors: ['States.ALL'], assign: { error: '{% $states.errorOutput %}' } };

  // 7. The one compensation path.
  const compensate = task(
    scope,
    'Compensate',
    fns.compensate,
    '{"applicationId": $applicationId, "error": $error}',
    {
      outputs: '{% $states.result %}',
    },
  );
  const failed = sfn.Fail.jsonata(scope, 'Failed', {
    error: '{% $error.Error ? $error.Error : "Application.Failed" %}',
    cause: '{% $error.Cause ? $error.Cause : "the application could not be completed" %}',
  });
  const closed = sfn.Succeed.jsonata(scope, 'Closed', {
    comment: 'Rejected or withdrawn: the plot was released and the reason recorded.',
  });
  const compensation = compensate.next(
    sfn.Choice.jsonata(scope, 'ClosedHow')
      .when(sfn.Condition.jsonata('{% $states.input.status = "failed" %}'), failed)
      .otherwise(closed),
  );
  // If compensation itself fails after its retries, the execution fails with the original error.
  compensate.addCatch(failed, { errors: ['States.ALL'] });
  const fail = (state: sfn.TaskStateBase) => state.addCatch(compensation, caught);

  // 1. Validate and create-or-get.
  const submit = task(scope, 'Submit', fns.submit, '$states.input', {
    assign: {
      applicationId: '{% $states.input.applicationId %}',
      investorId: '{% $states.input.investorId %}',
      filedAt: '{% $states.input.filedAt %}',
      routing: '{% $exists($states.input.routing) ? $states.input.routing : {} %}',
      enquiry: '{% $states.result.enquiry %}',
      excluded: '{% [] %}',
      capacityAttempt: 1,
      moves: 0,
      error: '{% {"Error": "Application.Failed", "Cause": "no step completed"} %}',
    },
  });
  // Before Submit's assignment, the Catch has only the input to go on.
  submit.addCatch(compensation, {
    errors: ['States.ALL'],
    assign: { applicationId: '{% $states.input.applicationId %}', error: '{% $states.errorOutput %}' },
  });

  // 2-3. Match on live state and hold the best free plot.
  const matchAndHold = fail(
    task(
      scope,
      'MatchAndHold',
      fns.matchAndHold,
      `$merge([${appArgs}, {"enquiry": $enquiry, "excluded": $excluded, "attempt": $capacityAttempt}])`,
      {
        assign: {
          plotId: '{% $states.result.found ? $states.result.plotId : null %}',
          zoneId: '{% $states.result.found ? $states.result.zoneId : null %}',
          zoneKind: '{% $states.result.found ? $states.result.zoneKind : null %}',
        },
        outputs: '{% $states.result %}',
      },
    ),
  );
  const waitForCapacity = sfn.Wait.jsonata(scope, 'WaitForCapacity', {
    time: sfn.WaitTime.duration(LIMITS.capacityWait),
    assign: { capacityAttempt: '{% $capacityAttempt + 1 %}' },
  });
  const noCapacity = sfn.Pass.jsonata(scope, 'NoCapacity', {
    assign: {
      error: `{% {"Error": "Site.NoCapacity", "Cause": "no plot fitted after " & $string($capacityAttempt) & " matches: " & $states.input.summary} %}`,
    },
  });

  // 1 (continued). Route with the held site; an unknown goes to a routing review first.
  const route = fail(
    task(
      scope,
      'Route',
      fns.route,
      `$merge([${appArgs}, {"enquiry": $enquiry, "filedAt": $filedAt, "routing": $routing, "site": {"zoneId": $zoneId, "zoneKind": $zoneKind}}])`,
      { assign: { route: '{% $states.result.route %}' } },
    ),
  );

  // 4. The checks on the held plot.
  const checkSite = fail(
    task(
      scope,
      'CheckSite',
      fns.checkSite,
      `$merge([${appArgs}, {"plotId": $plotId, "zoneId": $zoneId, "enquiry": $enquiry, "route": {"environment": $route.environment}, "moves": $moves, "maxMoves": ${LIMITS.maxMoves}}])`,
      {
        outputs: '{% $states.result %}',
        assign: {
          excluded:
            '{% $states.result.outcome = "next-candidate" ? $append($excluded, [$plotId]) : $excluded %}',
          moves: '{% $states.result.outcome = "next-candidate" ? $moves + 1 : $moves %}',
        },
      },
    ),
  );

  // 5. Approvals (AP), also the routing review when the route asked for one.
  const { approvals, clearanceWait } = fragments;
  catchAll(approvals, compensation, caught);
  catchAll(clearanceWait, compensation, caught);
  const applyReview = fail(
    task(
      scope,
      'ApplyReview',
      fns.applyReview,
      `$merge([${appArgs}, {"enquiry": $enquiry, "filedAt": $filedAt, "routing": $routing, "site": {"zoneId": $zoneId, "zoneKind": $zoneKind}, "route": $route, "approvals": $states.input.approvals}])`,
      { assign: { route: '{% $states.result.route %}' } },
    ),
  );

  // 6. Allocate.
  const allocate = fail(
    task(
      scope,
      'Allocate',
      fns.allocate,
      `$merge([${appArgs}, {"plotId": $plotId, "zoneId": $zoneId, "ruleSetId": $route.ruleSetId, "approvals": $states.input.approvals}])`,
      {
        outputs: `{% $merge([$states.result, {"applicationId": $applicationId, "plotId": $plotId, "status": "allocated"}]) %}`,
      },
    ),
  );

  const reviewed = sfn.Choice.jsonata(scope, 'Approved')
    .when(sfn.Condition.jsonata('{% $exists($route.review) %}'), applyReview.next(checkSite))
    .otherwise(allocate);
  for (const end of approvals.endStates) end.next(reviewed);

  const checked = sfn.Choice.jsonata(scope, 'Checked')
    .when(sfn.Condition.jsonata('{% $states.input.outcome = "clear" %}'), approvals)
    .when(sfn.Condition.jsonata('{% $states.input.outcome = "wait-clearance" %}'), clearanceWait)
    .otherwise(matchAndHold);
  for (const end of clearanceWait.endStates) end.next(checkSite);
  checkSite.next(checked);

  const needsReview = sfn.Choice.jsonata(scope, 'NeedsReview')
    .when(sfn.Condition.jsonata('{% $exists($route.review) %}'), approvals)
    .otherwise(checkSite);

  const siteFound = sfn.Choice.jsonata(scope, 'SiteFound')
    .when(sfn.Condition.jsonata('{% $states.input.found %}'), route.next(needsReview))
    .when(
      sfn.Condition.jsonata(`{% $capacityAttempt < ${LIMITS.capacityChecks} %}`),
      waitForCapacity.next(matchAndHold),
    )
    .otherwise(noCapacity.next(compensation));

  return submit.next(matchAndHold).next(siteFound);
}
