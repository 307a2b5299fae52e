/**
 * Prints the local SNS outbox (what the zone topics would have e-mailed or texted), oldest first, one JSON
 * line per message, from the running local cloud's DynamoDB Local:
 *   npx tsx local/sns/outbox-cli.ts [topic name or ARN]
 * DYNAMODB_PORT (default 8000) says where DynamoDB Local listens; TABLE_PREFIX (default `local-sfn-`)
 * which outbox table to read.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localDynamoDbClient } from '../dynamodb/launcher.ts';
import { readOutbox, snsOutboxTableName } from './service.ts';

const port = Number(process.env.DYNAMODB_PORT ?? 8000);
const client = localDynamoDbClient(`http://127.0.0.1:${port}`);
const table = snsOutboxTableName(`${process.env.TABLE_PREFIX ?? 'local-sfn-'}sns-`);
const topic = process.argv[2];
try {
  const records = await readOutbox(DynamoDBDocumentClient.from(client), table, undefined);
  const wanted = topic
    ? records.filter((r) => r.topicArn === topic || r.topicArn.endsWith(`:${topic}`))
    : records;
  for (const r of wanted) {
    console.log(
      JSON.stringify({
        at: new Date(r.publishedAt).toISOString(),
        topic: r.topicArn.split(':').pop(),
        subject: r.subject,
        message: r.message,
        attributes: r.attributes,
      }),
    );
  }
  console.error(`${wanted.length} message(s) in ${table}`);
} finally {
  client.destroy();
}
