import { type CfnElement, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import * as investors from '../../shared/http/applications.ts';
import type { RouteSpec } from '../../shared/http/route.ts';
import { WorkflowEventBus } from './event-bus.ts';
import { HouseFunction } from './house-function.ts';
import type { HttpApiConstruct } from './http-api.ts';

export interface ApplicationRoutesProps {
  table: ITableV2;
  /** The onboarding state machine `POST /applications` starts (its ARN is STATE_MACHINE_ARN). */
  stateMachine: StateMachine;
  /** Where responding and withdrawing publish their domain events. */
  eventBus: IEventBus;
}

const KMS_REASON =
  'Writing to the table encrypted with its customer-managed key: the key is named, only the action family is wildcarded (CDK grantReadWriteData).';

/**
 * The investors' routes (`/applications...`), each a HouseFunction with the least it needs: reads for the
 * views; `POST /applications` writes the application and starts (and describes) executions of the
 * onboarding state machine; responding and withdrawing write, publish events and answer the workflow's
 * task tokens.
 */
export function addApplicationRoutes(api: HttpApiConstruct, props: ApplicationRoutesProps): void {
  const make = (spec: RouteSpec, entry: string, access: 'read' | 'write') => {
    const id = spec.operationId.charAt(0).toUpperCase() + spec.operationId.slice(1);
    const house = new HouseFunction(api, id, {
      entry: `functions/http/applications/${entry}`,
      description: `${spec.method} ${spec.path}: ${spec.summary}`.slice(0, 256),
      timeout: Duration.seconds(10),
    }).bindTable(props.table, access);
    if (access === 'write') {
      Validations.of(house.fn).acknowledge(
        { id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason: KMS_REASON },
        { id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason: KMS_REASON },
      );
    }
    api.addRoute(spec, house);
    return house;
  };

  const create = make(investors.createApplication, 'create.ts', 'write');
  props.stateMachine.grantStartExecution(create.fn);
  props.stateMachine.grantExecution(create.fn, 'states:DescribeExecution');
  create.fn.addEnvironment('STATE_MACHINE_ARN', props.stateMachine.stateMachineArn);
  const stack = Stack.of(api);
  const machineId = stack.getLogicalId(props.stateMachine.node.defaultChild as CfnElement);
  const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  Validations.of(create.fn).acknowledge({
    id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${region}:${account}:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${machineId}"}]}]}:*]`,
    reason:
      'DescribeExecution on the executions of the onboarding state machine only: a retried POST reads the input its first attempt started with.',
  });

  make(investors.listApplications, 'list.ts', 'read');
  make(investors.getApplication, 'get.ts', 'read');
  make(investors.getApplicationTimeline, 'timeline.ts', 'read');
  const respond = make(investors.respondToApplication, 'respond.ts', 'write');
  WorkflowEventBus.grantPublish(props.eventBus, respond.fn);
  // Withdrawing publishes nothing (the workflow's compensation tells people): no bus for it.
  for (const house of [respond, make(investors.withdrawApplication, 'withdraw.ts', 'write')]) {
    // SendTaskSuccess/Failure act on a task token, not a resource: IAM has nothing narrower than '*'
    // (the HouseFunction's AwsSolutions-IAM5[Resource::*] acknowledgement covers it).
    house.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
        resources: ['*'],
      }),
    );
  }
}
