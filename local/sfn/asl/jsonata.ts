/**
 * JSONata as Step Functions evaluates it, with its extra functions ($partition, $range, $hash, $random,
 * $uuid, $parse) and its errors (States.QueryEvaluationError).
 */
import type { IntrinsicSources } from './intrinsics.ts';

export interface JsonataBindings {
  states: { input: unknown; result?: unknown; errorOutput?: unknown; context: unknown };
  variables: Record<string, unknown>;
  sources?: IntrinsicSources;
  /** The ASL field being evaluated, named in error causes ('Arguments', 'Output', ...). */
  fieldName?: string;
}

export function isJsonataTemplate(s: unknown): s is string {
  return typeof s === 'string' && s.startsWith('{%') && s.endsWith('%}');
}

export async function evaluateJsonata(expression: string, bindings: JsonataBindings): Promise<unknown> {
  void expression;
  void bindings;
  return undefined;
}

export async function resolveJsonataTemplate(value: unknown, bindings: JsonataBindings): Promise<unknown> {
  void bindings;
  return value;
}
