import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { DataTable } from './constructs/data-table.ts';
import { WorkflowEventBus } from './constructs/event-bus.ts';
import { HouseFunction } from './constructs/house-function.ts';
import { OnboardingWorkflow } from './constructs/onboarding-workflow.ts';

/** The whole product: one stack, the single definition the local cloud also runs. */
export class OnboardingStack extends Stack {
  readonly data: DataTable;
  readonly matchSites: HouseFunction;
  readonly events: WorkflowEventBus;
  readonly workflow: OnboardingWorkflow;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.data = new DataTable(this, 'Data');
    this.matchSites = new HouseFunction(this, 'MatchSites', {
      entry: 'functions/match-sites.ts',
      description:
        'Ranks the plots that fit an investor enquiry, with the reasons for each rank and exclusion',
      timeout: Duration.seconds(15),
    }).bindTable(this.data.table, 'read');
    this.events = new WorkflowEventBus(this, 'Events');
    this.workflow = new OnboardingWorkflow(this, 'Workflow', {
      table: this.data.table,
      eventBus: this.events.bus,
    });
  }
}
