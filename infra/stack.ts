import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { DataTable } from './constructs/data-table.ts';

/** The whole product: one stack, the single definition the local cloud also runs. */
export class OnboardingStack extends Stack {
  readonly data: DataTable;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.data = new DataTable(this, 'Data');
  }
}
