/**
 * Waiting for the held plot's land clearance, as a CDK fragment (JSONata):
 *
 *   ClearanceWait (.waitForTaskToken) ──▶ { clearance }
 *        ▲   │ States.Timeout / States.HeartbeatTimeout: re-check (round + 1)
 *        └───┘
 *
 * The Lambda parks the token in the plot's registry (server-side only), then reads the plot: cleared ends
 * the wait at once, disputed fails it (`Clearance.Disputed`), otherwise the zone manager is told and the
 * application waits for `updatePlotClearance` (the zone manager's update wakes it) or the daily re-check;
 * after MAX_CLEARANCE_ROUNDS re-checks it fails with `Clearance.WaitExpired`. A withdrawal fails it with
 * `Application.Withdrawn`. Those errors are not caught here: the main line's Catch compensates.
 * Reads `$applicationId` and `$plotId`.
 */
import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { HouseFunction } from '../infra/constructs/house-function.ts';
import { BACKSTOP_SECONDS, type WaitFragmentProps, waitFunction, waitTask } from './approval-stages.ts';

/** How often a waiting application re-checks its plot's clearance without being woken. */
export const CLEARANCE_RECHECK_SECONDS = 86_400;

export class ClearanceWait extends sfn.StateMachineFragment {
  readonly startState: sfn.State;
  readonly endStates: sfn.INextable[];
  readonly registerFunction: HouseFunction;

  constructor(scope: Construct, id: string, props: WaitFragmentProps) {
    super(scope, id);
    this.registerFunction = waitFunction(this, 'ClearanceWaitRegister', {
      ...props,
      entry: 'functions/workflow/clearance-wait-register.ts',
      description: "Workflow: waits for a held plot's land clearance (token kept in the plot's registry)",
      answersTokens: true,
    });
    const wait = waitTask(
      this,
      'ClearanceWait',
      this.registerFunction,
      '{"applicationId": $applicationId, "plotId": $plotId, "round": $exists($states.input.clearanceRound) ? $states.input.clearanceRound : 0}',
      {
        token: true,
        heartbeatTimeout: sfn.Timeout.duration(Duration.seconds(CLEARANCE_RECHECK_SECONDS)),
        taskTimeout: sfn.Timeout.duration(Duration.seconds(CLEARANCE_RECHECK_SECONDS + BACKSTOP_SECONDS)),
        outputs: '{% {"clearance": $states.result.clearance} %}',
      },
    );
    wait.addCatch(wait, {
      errors: ['States.Timeout', 'States.HeartbeatTimeout'],
      outputs:
        '{% {"clearanceRound": ($exists($states.input.clearanceRound) ? $states.input.clearanceRound : 0) + 1} %}',
    });
    this.startState = wait;
    this.endStates = [wait];
  }
}
