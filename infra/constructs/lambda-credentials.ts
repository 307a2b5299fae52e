/**
 * The credential provider bundled into every Lambda in place of `@aws-sdk/credential-provider-node`'s
 * default chain (HouseFunction aliases the package to this file).
 *
 * Why: the Lambda runtime always hands a function its role's credentials in AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (and the local cloud sets the same variables), so the rest
 * of the default chain (SSO, ini files, credential_process, web identity, container and instance
 * metadata, with the STS and SSO clients they pull in) can never run there. It was about 95 KB of every
 * minified bundle and part of every cold start. Outside Lambda (tests, scripts) the SDK's own chain is
 * used: this file exists only inside bundles.
 */

/** The shape the SDK clients expect from `credentialDefaultProvider`. */
interface EnvCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
  accountId?: string;
}

/** Credentials within this long of their expiration are read again (the SDK's own chain refreshes at 5 minutes). */
const REFRESH_BEFORE_MS = 5 * 60_000;

function readEnv(): EnvCredentials {
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new Error(
      'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set: this bundle reads its credentials from the Lambda environment only',
    );
  }
  const sessionToken = process.env.AWS_SESSION_TOKEN;
  const expiration = process.env.AWS_CREDENTIAL_EXPIRATION;
  const accountId = process.env.AWS_ACCOUNT_ID;
  return {
    accessKeyId,
    secretAccessKey,
    ...(sessionToken ? { sessionToken } : {}),
    ...(expiration ? { expiration: new Date(expiration) } : {}),
    ...(accountId ? { accountId } : {}),
  };
}

/**
 * Same name and signature as the package's export, so the clients' runtimeConfig imports it unchanged.
 * Memoized as the package's chain is: the SDK does not memoize a default provider itself and asks it for
 * credentials on every request, while Lambda's environment variables do not change during an environment's
 * life. Credentials with an expiration are read again once within 5 minutes of it; a failed read is not kept.
 */
export function defaultProvider(_init?: unknown): () => Promise<EnvCredentials> {
  let known: EnvCredentials | undefined;
  return async () => {
    if (known && (!known.expiration || known.expiration.getTime() - Date.now() > REFRESH_BEFORE_MS))
      return known;
    known = readEnv();
    return known;
  };
}
