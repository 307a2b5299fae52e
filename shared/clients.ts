import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';

type SignerFactory = (authScheme?: {
  name?: string;
  signingRegion?: string;
  signingName?: string;
}) => Promise<unknown>;

/**
 * Keeps the client's SigV4 signers: the SDK's default `signer` builds a new SignatureV4 for every request,
 * copying the whole client configuration into it (~16 µs a request), though a signer depends only on the
 * auth scheme's name, region and service. One per scheme, region and service is kept for the client's life;
 * each signature still asks the client's credential provider, and a factory that failed is asked again.
 */
export function reuseSigners<C extends { config: object }>(client: C): C {
  const config = client.config as { signer?: SignerFactory };
  const make = config.signer;
  if (typeof make !== 'function') return client;
  const made = new Map<string, Promise<unknown>>();
  config.signer = (authScheme) => {
    const key = `${authScheme?.name}|${authScheme?.signingRegion}|${authScheme?.signingName}`;
    let signer = made.get(key);
    if (!signer) {
      signer = make(authScheme);
      made.set(key, signer);
      signer.catch(() => made.delete(key));
    }
    return signer;
  };
  return client;
}

/**
 * SDK clients, made once per Lambda instance and reused across invocations. Endpoints come from the
 * standard AWS_ENDPOINT_URL_DYNAMODB / _EVENTBRIDGE / _SFN when the local cloud sets them; on AWS they are
 * the regional ones. Marked pure so a bundle that does not use a client leaves its SDK out.
 */
export const dynamodb = /* @__PURE__ */ reuseSigners(/* @__PURE__ */ new DynamoDBClient({}));
export const eventBridge = /* @__PURE__ */ reuseSigners(/* @__PURE__ */ new EventBridgeClient({}));
export const sfn = /* @__PURE__ */ reuseSigners(/* @__PURE__ */ new SFNClient({}));
