/**
 * Stands in for `@smithy/core/event-streams` in every Lambda bundle (HouseFunction aliases the module to
 * this file).
 *
 * Why: every SDK client's protocol code imports the event-stream serde (about 15 KiB minified) for the
 * few operations that stream events (Lambda's InvokeWithResponseStream, Bedrock, S3 Select...). The
 * functions of this stack call DynamoDB, EventBridge and Step Functions, none of which has such an
 * operation, so the serde could never run. A function that one day calls a streaming operation fails
 * with the error below, naming this file, instead of silently carrying the weight everywhere.
 */

const absent = (): never => {
  throw new Error(
    'event streams are left out of the Lambda bundles (infra/constructs/no-event-streams.ts): remove the alias in HouseFunction to call a streaming operation',
  );
};

/** Same names as the module's exports that the SDK's protocols import. */
export class EventStreamSerde {
  constructor() {
    absent();
  }
}

export const eventStreamSerdeProvider = (): never => absent();
