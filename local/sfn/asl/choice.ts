/**
 * JSONPath Choice rules: And/Or/Not and every comparison operator with AWS's type-mismatch behaviour.
 */

export interface ChoiceScope {
  input: unknown;
  context: unknown;
  variables: Record<string, unknown>;
}

export function evaluateChoiceRule(rule: Record<string, unknown>, scope: ChoiceScope): boolean {
  void rule;
  void scope;
  return false;
}
