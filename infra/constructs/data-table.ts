import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, ProjectionType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * The single application table. Generic key names (pk, sk, gsiNpk, gsiNsk) so one table serves every
 * entity; the key layout lives in shared/repository/keys.ts:
 *
 * | access pattern                                   | where | key condition                                        |
 * |--------------------------------------------------|-------|------------------------------------------------------|
 * | zone by id / plot by id / application by id      | table | pk = ZONE#z, sk = ZONE · PLOT#p, PLOT · APP#a, APP      |
 * | timeline of an application, in order             | table | pk = APP#a, sk begins_with EVENT# (EVENT#<iso>#<id>)   |
 * | approval tasks of an application                 | table | pk = APP#a, sk begins_with TASK#                       |
 * | an investor's applications, newest first         | gsi1  | gsi1pk = INVESTOR#i, gsi1sk = APP#<createdAt>#a, desc  |
 * | officials' inbox by role, scope, status, by due  | gsi2  | gsi2pk = INBOX#role#scope#status, gsi2sk = DUE#<iso>#t |
 * | all zones                                        | gsi3  | gsi3pk = CATALOG#ZONES                                 |
 * | plots of a zone (optionally by status)           | gsi3  | gsi3pk = ZONE#z#PLOTS, gsi3sk begins_with STATUS#s#    |
 *
 * Plots sit in their own partitions (not under their zone) so holds on different plots never contend;
 * gsi3 gathers them per zone, with the status in the sort key so "available plots of zone z" is one query.
 * Every index projects ALL: items are small and each index serves whole-item reads, so a KEYS_ONLY
 * projection would only add a second round trip per item.
 *
 * Encryption: a customer-managed KMS key (rotated yearly, retained) rather than the AWS-managed
 * `aws/dynamodb` key. The table holds investors' personal data and unpublished commercial plans for a
 * provincial government: with its own key the province controls the key policy as a second gate
 * besides IAM on the table, sees every decrypt in CloudTrail, and can revoke access (or crypto-shred a
 * retired table) by disabling the key. The cost is about 1 USD a month plus KMS requests, which
 * DynamoDB's table-key caching keeps small. `grant()` below grants the key together with the table.
 */
export class DataTable extends Construct {
  readonly table: TableV2;
  readonly key: Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: 'Encrypts the Lào Cai onboarding table (investor data, applications, plot holds)',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.table = new TableV2(this, 'Table', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.customerManagedKey(this.key),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      globalSecondaryIndexes: [1, 2, 3].map((n) => ({
        indexName: `gsi${n}`,
        partitionKey: { name: `gsi${n}pk`, type: AttributeType.STRING },
        sortKey: { name: `gsi${n}sk`, type: AttributeType.STRING },
        projectionType: ProjectionType.ALL,
      })),
    });
  }

  /**
   * Least-privilege access for a function: 'read' (Get/Query/Scan/BatchGet on the table and its
   * indexes, kms:Decrypt) or 'write' (read plus Put/Update/Delete/BatchWrite/TransactWrite, kms:Encrypt).
   */
  grant(grantee: IGrantable, access: 'read' | 'write'): void {
    if (access === 'read') this.table.grantReadData(grantee);
    else this.table.grantReadWriteData(grantee);
  }

  /** The environment variable a handler reads the table name from (see shared/repository). */
  environment(): { TABLE_NAME: string } {
    return { TABLE_NAME: this.table.tableName };
  }
}
