import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * SDK clients, made once per Lambda instance and reused across invocations. The endpoint comes from
 * the standard AWS_ENDPOINT_URL_DYNAMODB when the local cloud sets it; on AWS it is the regional one.
 */
export const dynamodb = new DynamoDBClient({});
