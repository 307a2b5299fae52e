/**
 * Payload templates of JSONPath states: Parameters, ResultSelector, ItemSelector, Assign.
 */
import type { IntrinsicSources } from './intrinsics.ts';

export interface PayloadScope {
  input: unknown;
  context: unknown;
  variables: Record<string, unknown>;
  /** The ASL field being evaluated, named in error causes ('Parameters', 'ResultSelector', ...). */
  fieldName: string;
  sources?: IntrinsicSources;
}

export function resolvePayloadTemplate(template: unknown, scope: PayloadScope): unknown {
  void scope;
  return template;
}

/** Reads one path as JSONPath fields do: `$...` from input, `$$...` from context, `$name...` from variables. */
export function resolvePathIn(
  path: string,
  scope: Omit<PayloadScope, 'fieldName'> & { fieldName?: string },
): unknown {
  void path;
  return scope.input;
}
