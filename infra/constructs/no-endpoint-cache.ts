/**
 * Stands in for `@aws-sdk/endpoint-cache` in every Lambda bundle (HouseFunction aliases the package to
 * this file).
 *
 * Why: the DynamoDB client makes an endpoint cache when it is created (`resolveEndpointDiscoveryConfig`),
 * and the cache is an LRU from mnemonist and obliterator, CommonJS packages that do not tree-shake (about
 * 8 KiB minified in every function that touches the table). No DynamoDB operation of the installed client
 * applies the endpoint-discovery middleware, so the cache is never read or written. Should a client one
 * day use it, the call fails with the error below, naming this file, instead of silently carrying the
 * weight everywhere. Tests and scripts outside the bundles use the real package.
 */

const absent = (): never => {
  throw new Error(
    'endpoint discovery is left out of the Lambda bundles (infra/constructs/no-endpoint-cache.ts): remove the alias in HouseFunction to use it',
  );
};

/** Same name as the package's export; the client constructs it (with a capacity) and never uses it. */
export class EndpointCache {
  getEndpoint(_key: string): never {
    return absent();
  }
  get(_key: string): never {
    return absent();
  }
  set(_key: string, _endpoints: unknown): never {
    return absent();
  }
  delete(_key: string): never {
    return absent();
  }
  has(_key: string): never {
    return absent();
  }
  clear(): never {
    return absent();
  }
}
