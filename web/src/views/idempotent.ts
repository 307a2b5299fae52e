/**
 * Submitting with an `Idempotency-Key`: the key belongs to the body it was made for. Sending the same body
 * again (a retry after a network error, a second click) reuses the key, so the API returns the one
 * application it created; a changed body gets a new key, so the API never sees one key with two bodies.
 */

/** A stable text of a JSON value: object keys sorted, so equal bodies compare equal. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export interface IdempotentSubmitter<R> {
  /** Sends `body` with the key bound to it (made on first use). */
  submit(body: unknown): Promise<R>;
  /** The key the last submit used (for display and tests). */
  readonly lastKey: string | undefined;
}

/**
 * `send(body, key)` does the request. `newKey` makes a fresh key (crypto.randomUUID in the browser).
 * The key for a body is kept for the life of the submitter: the page makes one per form.
 */
export function idempotentSubmitter<R>(
  send: (body: unknown, key: string) => Promise<R>,
  newKey: () => string,
): IdempotentSubmitter<R> {
  let boundTo: string | undefined;
  let key: string | undefined;
  return {
    async submit(body) {
      const text = canonicalJson(body);
      if (key === undefined || boundTo !== text) {
        key = newKey();
        boundTo = text;
      }
      return send(body, key);
    },
    get lastKey() {
      return key;
    },
  };
}
