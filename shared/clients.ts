import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';

/**
 * SDK clients, made once per Lambda instance and reused across invocations. Endpoints come from the
 * standard AWS_ENDPOINT_URL_DYNAMODB / _EVENTBRIDGE / _SFN when the local cloud sets them; on AWS they are
 * the regional ones. Marked pure so a bundle that does not use a client leaves its SDK out.
 */
export const dynamodb = /* @__PURE__ */ new DynamoDBClient({});
export const eventBridge = /* @__PURE__ */ new EventBridgeClient({});
export const sfn = /* @__PURE__ */ new SFNClient({});
