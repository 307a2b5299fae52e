/**
 * The `States.*` intrinsic functions of JSONPath states.
 */

export interface IntrinsicSources {
  /** Injected so the interpreter can memoize for durable replay. Returns a float in [0, 1). */
  random?: () => number;
  uuid?: () => string;
}

export function isIntrinsicCall(expression: string): boolean {
  return /^\s*States\.[A-Za-z0-9]+\s*\(/.test(expression);
}

export function evaluateIntrinsic(
  expression: string,
  resolve: (path: string) => unknown,
  sources: IntrinsicSources = {},
): unknown {
  void expression;
  void resolve;
  void sources;
  return undefined;
}
