import { Duration } from 'aws-cdk-lib';
import { EventBus, type IEventBus } from 'aws-cdk-lib/aws-events';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { EVENT_SOURCE } from '../../shared/workflow/events.ts';

/**
 * The custom EventBridge bus of the workflow's domain events (`shared/workflow/events.ts`): submitted,
 * matched, held, blocked, task created, decision, allocated, released, ... The Lambdas publish to it
 * themselves (PutEvents); the notifications issue adds the rules that deliver them. An archive keeps a
 * week of events so a consumer added or fixed later can replay them.
 */
export class WorkflowEventBus extends Construct {
  readonly bus: IEventBus;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const bus = new EventBus(this, 'Bus', {
      description: 'Domain events of the investor onboarding workflow',
    });
    bus.archive('Archive', {
      description: 'A week of workflow events, for replay into new or repaired consumers',
      eventPattern: { source: [EVENT_SOURCE] },
      retention: Duration.days(7),
    });
    this.bus = bus;
  }

  /** Lets a function publish to the bus (events:PutEvents on this bus only) and names it in EVENT_BUS_NAME. */
  static grantPublish(
    bus: IEventBus,
    fn: IGrantable & { addEnvironment(key: string, value: string): unknown },
  ) {
    bus.grantPutEventsTo(fn);
    fn.addEnvironment('EVENT_BUS_NAME', bus.eventBusName);
  }
}
