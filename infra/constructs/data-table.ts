import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

/**
 * The single application table. Key design (see README "Data model"):
 * - pk/sk: the entity and its children (zone → plots, application → timeline events).
 * - gsi1: an investor's applications. gsi2: officials' inbox by role, scope and status.
 * - gsi3: plots by zone and status.
 */
export class DataTable extends Construct {
  readonly table: TableV2;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new TableV2(this, 'Table', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      globalSecondaryIndexes: [1, 2, 3].map((n) => ({
        indexName: `gsi${n}`,
        partitionKey: { name: `gsi${n}pk`, type: AttributeType.STRING },
        sortKey: { name: `gsi${n}sk`, type: AttributeType.STRING },
      })),
    });
  }
}
